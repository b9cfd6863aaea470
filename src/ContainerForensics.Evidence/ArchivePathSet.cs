using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ContainerForensics.Evidence.Spooling;

namespace ContainerForensics.Evidence;

/// <summary>
/// The archive paths written so far, and which of them are regular members with content (the
/// only valid hard-link targets), in memory that stays bounded whatever the number of entries.
/// </summary>
/// <remarks>
/// WHY not a set of strings: the writer needs every path it wrote until the seal. As strings
/// that cost about 400 bytes an entry, 40 MB for a layer of 100,000 files and 400 MB for a
/// million.
/// <para>So a path is a 127-bit key, the first half of the SHA-256 of its UTF-16 code units with
/// the lowest bit left for the file-member flag. SHA-256, not a fast hash: the names are chosen
/// by whoever controls the container, a non-cryptographic hash can be collided on purpose, and
/// a collision would make a second name look taken (it would be stored as <c>name~2</c>) or a
/// hard link point at a name without content. Half of SHA-256 takes about 2^63 work to collide.</para>
/// <para>The newest <see cref="KeysInMemory"/> keys are in a dictionary. When it is full they
/// are sorted and appended to a spool file as a run, and the run keeps in memory only a Bloom
/// filter (12 bits a key, about 0.3 % false positives) and every 256th key. A lookup asks the
/// dictionary, then each run from the newest: the filter almost always answers "not there";
/// otherwise one 4 KiB read of the run and a binary search decide. Memory is the dictionary
/// (about 14 MB when full) plus 1.6 bytes a spilled key: 30 MB for ten million entries.</para>
/// </remarks>
internal sealed class ArchivePathSet : IDisposable
{
    public const int DefaultKeysInMemory = 1 << 18;

    private const int KeyBytes = 16;
    private const int BlockKeys = 256;     // one read: 4 KiB
    private const int BloomBitsPerKey = 12;
    private const int BloomProbes = 7;

    private readonly Dictionary<PathKey, bool> _recent = [];
    private readonly List<Run> _runs = [];
    private readonly SpoolFactory _spools;
    private TempSpool? _spool;

    public ArchivePathSet(SpoolFactory spools, int keysInMemory = DefaultKeysInMemory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keysInMemory, 1);
        _spools = spools;
        KeysInMemory = keysInMemory;
    }

    /// <summary>How many keys are kept in the dictionary before they are spilled as a run.</summary>
    public int KeysInMemory { get; }

    /// <summary>Paths added (a path marked after it was spilled is not counted twice).</summary>
    public long Count { get; private set; }

    /// <summary>Runs spilled to the spool file so far.</summary>
    public int RunCount => _runs.Count;

    /// <summary>Adds a path; false when it was there already.</summary>
    public bool Add(string path)
    {
        var key = PathKey.Of(path);
        if (Find(key) is not null)
        {
            return false;
        }
        _recent.Add(key, false);
        Count++;
        if (_recent.Count >= KeysInMemory)
        {
            Spill();
        }
        return true;
    }

    /// <summary>Marks a written path as a regular member with content.</summary>
    /// <remarks>The newest answer wins: a mark in the dictionary or a newer run hides an older run's unmarked key.</remarks>
    public void MarkFileMember(string path)
    {
        var key = PathKey.Of(path);
        _recent[key] = true;
        if (_recent.Count >= KeysInMemory)
        {
            Spill();
        }
    }

    /// <summary>Whether a path was written as a regular member with content.</summary>
    public bool IsFileMember(string path) => Find(PathKey.Of(path)) == true;

    public void Dispose() => _spool?.Dispose();

    /// <summary>The flag of a key, the newest first; null when the key was never added.</summary>
    private bool? Find(PathKey key)
    {
        if (_recent.TryGetValue(key, out bool file))
        {
            return file;
        }
        for (int i = _runs.Count - 1; i >= 0; i--)
        {
            if (_runs[i].Find(key, _spool!) is { } spilled)
            {
                return spilled;
            }
        }
        return null;
    }

    private void Spill()
    {
        _spool ??= _spools.Create("paths", compress: false);
        var keys = new PathKey[_recent.Count];
        int n = 0;
        foreach (var (key, file) in _recent)
        {
            keys[n++] = key.WithFlag(file);
        }
        Array.Sort(keys);
        long offset = _spool.Stream.Position;
        Span<byte> record = stackalloc byte[KeyBytes];
        foreach (var key in keys)
        {
            key.Write(record);
            _spool.Stream.Write(record);
        }
        _spool.Flush();
        _runs.Add(new Run(offset, keys));
        _recent.Clear(); // keeps its capacity: the next run fills it without growing it again
    }

    /// <summary>A sorted run in the spool file: in memory only its Bloom filter and every 256th key.</summary>
    private sealed class Run
    {
        private readonly long _offset;
        private readonly int _count;
        private readonly ulong[] _bloom;
        private readonly ulong _bloomBits;
        private readonly PathKey[] _fences;

        public Run(long offset, PathKey[] sorted)
        {
            _offset = offset;
            _count = sorted.Length;
            _bloomBits = (ulong)Math.Max(64, (long)_count * BloomBitsPerKey);
            _bloom = new ulong[(_bloomBits + 63) / 64];
            _fences = new PathKey[(_count + BlockKeys - 1) / BlockKeys];
            for (int i = 0; i < _count; i++)
            {
                var probe = new Probe(sorted[i], _bloomBits);
                for (int p = 0; p < BloomProbes; p++)
                {
                    ulong bit = probe.Next();
                    _bloom[bit >> 6] |= 1UL << (int)(bit & 63);
                }
                if (i % BlockKeys == 0)
                {
                    _fences[i / BlockKeys] = sorted[i].WithFlag(false);
                }
            }
        }

        public bool? Find(PathKey key, TempSpool spool)
        {
            var probe = new Probe(key, _bloomBits);
            for (int p = 0; p < BloomProbes; p++)
            {
                ulong bit = probe.Next();
                if ((_bloom[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
                {
                    return null;
                }
            }
            // The block whose first key is the last one not above the key.
            int lo = 0, hi = _fences.Length - 1, block = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_fences[mid].CompareTo(key) <= 0)
                {
                    block = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (block < 0)
            {
                return null;
            }
            int first = block * BlockKeys;
            int keys = Math.Min(BlockKeys, _count - first);
            Span<byte> bytes = stackalloc byte[BlockKeys * KeyBytes];
            bytes = bytes[..(keys * KeyBytes)];
            long at = _offset + (long)first * KeyBytes;
            int read = 0;
            while (read < bytes.Length)
            {
                int n = spool.ReadAt(at + read, bytes[read..]);
                if (n <= 0)
                {
                    throw new IOException($"the path spool ended at {at + read}, inside a run it wrote");
                }
                read += n;
            }
            lo = 0;
            hi = keys - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                var candidate = PathKey.Read(bytes.Slice(mid * KeyBytes, KeyBytes));
                int order = candidate.WithFlag(false).CompareTo(key);
                if (order == 0)
                {
                    return candidate.Flag;
                }
                if (order < 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            return null;
        }
    }

    /// <summary>Double hashing over the key's two halves (already uniform: they are SHA-256 bits).</summary>
    private struct Probe(PathKey key, ulong bits)
    {
        private ulong _h = key.High;
        private readonly ulong _step = key.Low | 1;

        public ulong Next()
        {
            ulong bit = _h % bits;
            _h += _step;
            return bit;
        }
    }

    /// <summary>127 bits of SHA-256 and, in the lowest bit of <see cref="Low"/>, the file-member flag (clear in lookups).</summary>
    private readonly record struct PathKey(ulong High, ulong Low) : IComparable<PathKey>
    {
        public bool Flag => (Low & 1) != 0;

        public static PathKey Of(string path)
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(MemoryMarshal.AsBytes(path.AsSpan()), digest);
            return new PathKey(BinaryPrimitives.ReadUInt64BigEndian(digest), BinaryPrimitives.ReadUInt64BigEndian(digest[8..]) & ~1UL);
        }

        public static PathKey Read(ReadOnlySpan<byte> bytes) =>
            new(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));

        public PathKey WithFlag(bool flag) => this with { Low = flag ? Low | 1 : Low & ~1UL };

        public void Write(Span<byte> bytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, High);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Low);
        }

        public int CompareTo(PathKey other)
        {
            int order = High.CompareTo(other.High);
            return order != 0 ? order : Low.CompareTo(other.Low);
        }
    }
}
