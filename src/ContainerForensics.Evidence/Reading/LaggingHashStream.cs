using System.Security.Cryptography;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// A read-through stream that hashes bytes only up to a position the caller confirms. A
/// reader above may read ahead; the seal covers "every byte before the seal entry", so the
/// hash must be taken exactly at that entry's offset, not wherever the reader's buffer ended.
/// Holds only the read-ahead bytes not yet confirmed.
/// </summary>
internal sealed class LaggingHashStream : SyncReadOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash? _hash;
    private byte[] _pending = new byte[1 << 16];
    private int _pendingCount;
    private long _hashedTo;

    /// <param name="hash">False: positions are confirmed and the read-ahead kept the same way, but nothing is hashed.</param>
    public LaggingHashStream(Stream inner, bool hash = true)
    {
        _inner = inner;
        _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    }

    /// <summary>Position up to which every byte is hashed; <see cref="Pending"/> starts here.</summary>
    public long HashedTo => _hashedTo;

    /// <summary>Bytes read from below so far.</summary>
    public long ReadTotal { get; private set; }

    /// <summary>Bytes read but not hashed yet (after the last confirmed position).</summary>
    public ReadOnlySpan<byte> Pending => _pending.AsSpan(0, _pendingCount);

    /// <summary>The sha256 of every byte hashed so far; null when the stream does not hash.</summary>
    public string? CurrentDigest() => _hash is null ? null : Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>Hashes every byte before <paramref name="position"/>; with <paramref name="digest"/>, returns the digest of exactly that prefix.</summary>
    public string? HashUpTo(long position, bool digest = true)
    {
        if (position == _hashedTo)
        {
            return digest ? CurrentDigest() : null;
        }
        long take = position - _hashedTo;
        if (take < 0 || take > _pendingCount)
        {
            throw new InvalidOperationException($"cannot hash up to {position}: hashed to {_hashedTo}, {_pendingCount} pending");
        }
        _hash?.AppendData(_pending, 0, (int)take);
        Buffer.BlockCopy(_pending, (int)take, _pending, 0, _pendingCount - (int)take);
        _pendingCount -= (int)take;
        _hashedTo = position;
        return digest ? CurrentDigest() : null;
    }

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        if (n > 0)
        {
            if (_pendingCount + n > _pending.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingCount + n));
            }
            buffer[..n].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += n;
            ReadTotal += n;
        }
        return n;
    }

    protected override long Consumed => ReadTotal;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }
        base.Dispose(disposing);
    }
}
