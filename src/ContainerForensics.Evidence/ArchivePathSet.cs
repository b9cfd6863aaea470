using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ContainerForensics.Evidence;

/// <summary>
/// The archive paths written so far, and which of them are regular members with content (the
/// only valid hard-link targets). Each path is kept as a 128-bit key, the first half of the
/// SHA-256 of its UTF-16 code units, not as a string.
/// </summary>
/// <remarks>
/// WHY keys: the writer needs every path it wrote until the seal, so this set grows with the
/// number of entries, not with their bytes. As strings it cost about 400 bytes an entry (two
/// sets of paths of some 80 characters), 40 MB for a layer of 100,000 files and 400 MB for a
/// million. A key and its flag cost about 36 bytes.
/// <para>WHY SHA-256 and not a fast hash: the names are chosen by whoever controls the container.
/// A non-cryptographic 128-bit hash can be collided on purpose, and a collision here would make a
/// second name look taken (it would be stored as <c>name~2</c>) or make a hard link point at a
/// name that has no content. Half of SHA-256 cannot be collided by search (about 2^64 work).</para>
/// </remarks>
internal sealed class ArchivePathSet
{
    private readonly Dictionary<PathKey, bool> _keys = [];

    public int Count => _keys.Count;

    /// <summary>Adds a path; false when it was there already.</summary>
    public bool Add(string path) => _keys.TryAdd(PathKey.Of(path), false);

    /// <summary>Marks a written path as a regular member with content.</summary>
    public void MarkFileMember(string path) => _keys[PathKey.Of(path)] = true;

    /// <summary>Whether a path was written as a regular member with content.</summary>
    public bool IsFileMember(string path) => _keys.TryGetValue(PathKey.Of(path), out bool file) && file;

    private readonly record struct PathKey(ulong High, ulong Low)
    {
        public static PathKey Of(string path)
        {
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(MemoryMarshal.AsBytes(path.AsSpan()), digest);
            var halves = MemoryMarshal.Cast<byte, ulong>(digest);
            return new PathKey(halves[0], halves[1]);
        }
    }
}
