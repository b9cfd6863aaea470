using System.Buffers.Binary;
using ContainerForensics.Bolt.Reading;

namespace ContainerForensics.Bolt.Tests.Fixtures;

/// <summary>
/// A file from <see cref="BoltFileBuilder"/>, with where everything is, so a test can damage exactly one thing:
/// a page header, an element's field, a meta.
/// </summary>
internal sealed class BuiltFile(byte[] bytes, uint pageSize, ulong highWaterMark, ulong rootPageId, Dictionary<string, ulong> bucketRoots, BuiltPage[] pages)
{
    public byte[] Bytes { get; private set; } = bytes;

    public uint PageSize { get; } = pageSize;

    public ulong HighWaterMark { get; } = highWaterMark;

    public ulong RootPageId { get; } = rootPageId;

    /// <summary>Bucket path ("/", "/a/b", names as UTF-8) to root page id, 0 for inline.</summary>
    public IReadOnlyDictionary<string, ulong> BucketRoots { get; } = bucketRoots;

    public IReadOnlyList<BuiltPage> Pages { get; } = pages;

    public BuiltPage Page(ulong id) => Pages.Single(p => p.Id == id);

    public long PageOffset(ulong id) => (long)id * PageSize;

    /// <summary>The offset of element <paramref name="index"/>'s 16 bytes in page <paramref name="id"/>.</summary>
    public long ElementOffset(ulong id, int index) => PageOffset(id) + 16 + (16L * index);

    public void SetU16(long at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Bytes.AsSpan((int)at), v);

    public void SetU32(long at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Bytes.AsSpan((int)at), v);

    public void SetU64(long at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Bytes.AsSpan((int)at), v);

    public ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan((int)at));

    /// <summary>Meta <paramref name="index"/>'s page, to change a field (offset 16 + field) and then <see cref="BoltFileBuilder.Seal"/> it.</summary>
    public Span<byte> MetaPage(int index) => Bytes.AsSpan(index * (int)PageSize, (int)PageSize);

    public void Truncate(long length) => Bytes = Bytes[..(int)length];

    public BoltDatabase Open(BoltLimits? limits = null) => BoltDatabase.Open(new MemorySource(Bytes), "built.db", limits);
}
