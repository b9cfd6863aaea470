using System.Security.Cryptography;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The archive's bytes as they arrive (file or stdin): hashed whole for the archive's own
/// sha256, with the first bytes kept for format detection, and, for zip, the digest of the
/// prefix before every local-header signature remembered, because the zip reader above reads
/// ahead and the seal's offset is only known at the end.
/// </summary>
internal sealed class RawInputStream : SyncReadOnlyStream
{
    private static readonly byte[] ZipLocalHeader = [0x50, 0x4B, 0x03, 0x04];
    private readonly Stream _inner;
    private readonly IncrementalHash? _hash;
    private readonly byte[] _head;
    private int _headCount;
    private int _headServed;
    private readonly byte[] _carry = new byte[3];
    private int _carryCount;

    /// <param name="hash">False: nothing is hashed (<see cref="Sha256"/> and the zip checkpoints are not available).</param>
    public RawInputStream(Stream inner, bool hash = true, int headSize = 512)
    {
        _inner = inner;
        _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _checkpointing = hash;
        _head = new byte[headSize];
        while (_headCount < _head.Length)
        {
            int n = _inner.Read(_head, _headCount, _head.Length - _headCount);
            if (n == 0)
            {
                break;
            }
            _headCount += n;
        }
        Consume(_head.AsSpan(0, _headCount));
        RememberLast(_head.AsSpan(0, _headCount));
    }

    private void RememberLast(ReadOnlySpan<byte> data)
    {
        if (data.Length >= LastKept)
        {
            data[^LastKept..].CopyTo(_last);
            _lastCount = LastKept;
            return;
        }
        int keep = Math.Min(_lastCount, LastKept - data.Length);
        _last.AsSpan(_lastCount - keep, keep).CopyTo(_last);
        data.CopyTo(_last.AsSpan(keep));
        _lastCount = keep + data.Length;
    }

    /// <summary>The first bytes, for sniffing the format.</summary>
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _headCount);

    public long Total { get; private set; }

    private readonly byte[] _last = new byte[LastKept];
    private const int LastKept = 64;
    private int _lastCount;

    /// <summary>The last bytes received (the gzip trailer or the zip end record, once the input is at its end).</summary>
    public ReadOnlySpan<byte> LastBytes => _last.AsSpan(0, _lastCount);

    public Dictionary<long, string> ZipCheckpoints { get; } = [];

    /// <summary>
    /// The seal's local header is the newest signature when the zip reader meets the seal (the
    /// reader's read-ahead is a few KiB), so only the newest checkpoints are kept: member
    /// content full of signatures cannot grow this without bound.
    /// </summary>
    private const int CheckpointsKept = 4096;

    private readonly Queue<long> _checkpointOrder = new();
    private bool _checkpointing = true;

    /// <summary>No more checkpoints: the input is not a zip, or the seal has been met.</summary>
    public void StopZipCheckpoints() => _checkpointing = false;

    private void AddCheckpoint(long offset)
    {
        ZipCheckpoints[offset] = Convert.ToHexStringLower(_hash!.GetCurrentHash());
        _checkpointOrder.Enqueue(offset);
        if (_checkpointOrder.Count > CheckpointsKept)
        {
            ZipCheckpoints.Remove(_checkpointOrder.Dequeue());
        }
    }

    /// <summary>The sha256 of every byte received; call once the input is read to its end.</summary>
    public string Sha256()
    {
        if (_hash is null)
        {
            throw new InvalidOperationException("the input was read without hashing it");
        }
        if (_carryCount > 0)
        {
            _hash.AppendData(_carry.AsSpan(0, _carryCount));
            _carryCount = 0;
        }
        return Convert.ToHexStringLower(_hash.GetCurrentHash());
    }

    public override int Read(Span<byte> buffer)
    {
        if (_headServed < _headCount)
        {
            int take = Math.Min(buffer.Length, _headCount - _headServed);
            _head.AsSpan(_headServed, take).CopyTo(buffer);
            _headServed += take;
            return take;
        }
        int n = _inner.Read(buffer);
        if (n > 0)
        {
            Consume(buffer[..n]);
            RememberLast(buffer[..n]);
        }
        return n;
    }

    private void Consume(ReadOnlySpan<byte> data)
    {
        if (_hash is null)
        {
            Total += data.Length;
            return;
        }
        if (!_checkpointing)
        {
            if (_carryCount > 0)
            {
                _hash.AppendData(_carry.AsSpan(0, _carryCount));
                _carryCount = 0;
            }
            _hash.AppendData(data);
            Total += data.Length;
            return;
        }
        // The last three bytes of each read are held back unhashed, so a signature split across
        // two reads is still found with the hash standing exactly before it.
        int pc = _carryCount;
        long vStart = Total - pc;
        int hashed = 0; // virtual index (carry ++ data) hashed so far
        for (int k = 0; k < pc; k++)
        {
            if (VirtualMatch(k, data))
            {
                HashVirtual(hashed, k, data);
                hashed = k;
                AddCheckpoint(vStart + k);
            }
        }
        int searchFrom = 0;
        while (searchFrom <= data.Length - 4)
        {
            int at = data[searchFrom..].IndexOf(ZipLocalHeader);
            if (at < 0)
            {
                break;
            }
            int v = pc + searchFrom + at;
            HashVirtual(hashed, v, data);
            hashed = v;
            AddCheckpoint(vStart + v);
            searchFrom += at + 1;
        }
        int vLen = pc + data.Length;
        int keep = Math.Min(3, vLen - hashed);
        HashVirtual(hashed, vLen - keep, data);
        Span<byte> tail = stackalloc byte[3];
        for (int k = 0; k < keep; k++)
        {
            int v = vLen - keep + k;
            tail[k] = v < pc ? _carry[v] : data[v - pc];
        }
        tail[..keep].CopyTo(_carry);
        _carryCount = keep;
        Total += data.Length;
    }

    private bool VirtualMatch(int v, ReadOnlySpan<byte> data)
    {
        for (int k = 0; k < 4; k++)
        {
            int idx = v + k;
            int dataIdx = idx - _carryCount;
            if (dataIdx >= data.Length)
            {
                return false;
            }
            byte b = idx < _carryCount ? _carry[idx] : data[dataIdx];
            if (b != ZipLocalHeader[k])
            {
                return false;
            }
        }
        return true;
    }

    private void HashVirtual(int from, int to, ReadOnlySpan<byte> data)
    {
        if (to <= from)
        {
            return;
        }
        int pc = _carryCount;
        if (from < pc)
        {
            int end = Math.Min(to, pc);
            _hash!.AppendData(_carry.AsSpan(from, end - from));
            from = end;
        }
        if (to > from)
        {
            _hash!.AppendData(data[(from - pc)..(to - pc)]);
        }
    }

    protected override long Consumed => Total;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }
        base.Dispose(disposing);
    }
}
