using System.Security.Cryptography;

namespace ContainerForensics.Sealing;

/// <summary>Counts and sha256-hashes every byte read through it: the bytes of an encrypted archive as they arrived.</summary>
internal sealed class HashingReadStream(Stream inner) : ForwardReadStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>Reads what is left, so the hash covers every byte of the input.</summary>
    public void ReadToEnd()
    {
        var buffer = new byte[1 << 16];
        while (Read(buffer) > 0)
        {
        }
    }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        BytesRead += n;
        return n;
    }

    protected override long? Given => BytesRead;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
