using System.Security.Cryptography;

namespace ContainerForensics.Evidence;

/// <summary>
/// sha256 always, sha1/md5 on request, fed in one pass over the bytes as they go out. One
/// hasher serves entry after entry: <see cref="Finish"/> gives the digests and starts over, and
/// <see cref="Restart"/> drops what an entry left behind when it ended early. Creating the
/// hash contexts costs more than hashing a 1 KiB file, so the writer keeps one.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private static readonly byte[] Zeros = new byte[1 << 20];

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash? _sha1;
    private readonly IncrementalHash? _md5;
    private bool _dirty;   // bytes appended since the last Finish

    public ContentHasher(ExtraHashes extra)
    {
        if (extra.HasFlag(ExtraHashes.Sha1))
        {
            _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        }
        if (extra.HasFlag(ExtraHashes.Md5))
        {
            _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        }
    }

    public long Length { get; private set; }

    /// <summary>Starts a new content: forgets the bytes appended since the last <see cref="Finish"/>.</summary>
    public void Restart()
    {
        if (_dirty)
        {
            Finish();
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        _dirty = true;
        _sha256.AppendData(data);
        _sha1?.AppendData(data);
        _md5?.AppendData(data);
        Length += data.Length;
    }

    /// <summary>Hashes a run of zeros (a hole of a sparse file) without reading anything.</summary>
    public void AppendZeros(long count)
    {
        while (count > 0)
        {
            int n = (int)Math.Min(count, Zeros.Length);
            Append(Zeros.AsSpan(0, n));
            count -= n;
        }
    }

    /// <summary>The digests of everything appended since the last finish or restart; the hasher is then empty again.</summary>
    public Digests Finish()
    {
        var digests = new Digests(
            Convert.ToHexStringLower(_sha256.GetHashAndReset()),
            _sha1 is null ? null : Convert.ToHexStringLower(_sha1.GetHashAndReset()),
            _md5 is null ? null : Convert.ToHexStringLower(_md5.GetHashAndReset()));
        Length = 0;
        _dirty = false;
        return digests;
    }

    public void Dispose()
    {
        _sha256.Dispose();
        _sha1?.Dispose();
        _md5?.Dispose();
    }
}

internal sealed record Digests(string Sha256, string? Sha1, string? Md5);
