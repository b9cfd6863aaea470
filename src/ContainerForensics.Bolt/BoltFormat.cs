using System.Buffers.Binary;

namespace ContainerForensics.Bolt;

/// <summary>
/// The on-disk layout of a bbolt file, as this reader relies on it. Every multi-byte field is
/// little-endian (bbolt writes its structs from memory on little-endian hosts; the engines we read
/// run on amd64 and arm64).
/// <list type="bullet">
/// <item>The file is an array of pages of <c>pageSize</c> bytes; page N starts at N × pageSize
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/db.go">db.go</a>, <c>DB.page</c>).</item>
/// <item>Every page starts with a 16-byte header: <c>id u64, flags u16, count u16, overflow u32</c>. The flags are
/// exactly one of branch 0x01, leaf 0x02, meta 0x04, freelist 0x10. A page with overflow N occupies N + 1
/// consecutive pages. bbolt refuses a page whose header id is not the id it asked for (<c>Page.FastCheck</c>)
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/page.go">internal/common/page.go</a>).</item>
/// <item>Pages 0 and 1 are meta pages. The meta follows the page header: <c>magic u32 (0xED0CDAED), version u32 (2),
/// pageSize u32, flags u32, root bucket {root pgid u64, sequence u64}, freelist pgid u64, pgid u64 (the high-water
/// mark: the first page id never allocated), txid u64, checksum u64</c>; the checksum is FNV-1a 64 over the 56 bytes
/// before it. A meta is written to page <c>txid % 2</c>, so the two alternate
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/meta.go">internal/common/meta.go</a>).</item>
/// <item>bbolt uses the valid meta with the higher txid, else the other one (<c>DB.meta</c>). It learns the page size
/// from meta 0; when meta 0 is invalid it looks for meta 1 at 1 KiB &lt;&lt; i, i = 0…14 (<c>getPageSizeFromSecondMeta</c>)
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/db.go">db.go</a>).</item>
/// <item>A branch page holds <c>count</c> elements of 16 bytes after the header: <c>pos u32, ksize u32, pgid u64</c>; a
/// leaf page elements of 16 bytes: <c>flags u32, pos u32, ksize u32, vsize u32</c>. <c>pos</c> is relative to the
/// element's own address; the key follows at pos, the value (leaf) right after the key
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/page.go">page.go</a>,
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/inode.go">inode.go</a> <c>WriteInodeToPage</c>).</item>
/// <item>A branch element's key is the first key of its child; a search descends into the last child whose key is
/// &lt;= the key sought, or the first child (<a href="https://github.com/etcd-io/bbolt/blob/main/cursor.go">cursor.go</a>,
/// <c>searchPage</c>). Keys are unique, non-empty and sorted bytewise; bbolt caps them at 32768 bytes.</item>
/// <item>A leaf element with flag 0x01 (bucketLeafFlag) is a nested bucket. Its value starts with a 16-byte header
/// <c>{root pgid u64, sequence u64}</c>; root 0 means an inline bucket, whose leaf page (header id 0) follows the header
/// inside the value (<a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/bucket.go">internal/common/bucket.go</a>,
/// <a href="https://github.com/etcd-io/bbolt/blob/main/bucket.go">bucket.go</a> <c>openBucket</c>,
/// <a href="https://github.com/etcd-io/bbolt/blob/main/node.go">node.go</a> <c>write</c>).</item>
/// <item>Each page of the tree belongs to exactly one bucket's B+tree; freed pages go to the freelist, whose page
/// (flags 0x10) lists page ids and is not needed to read the tree.</item>
/// </list>
/// </summary>
internal static class BoltFormat
{
    public const uint Magic = 0xED0CDAED;
    public const uint Version = 2;

    public const int PageHeaderSize = 16;
    public const int ElementSize = 16; // branch and leaf elements are both 16 bytes
    public const int MetaSize = 64;    // the meta struct, checksum included
    public const int MetaChecksummed = 56;
    public const int BucketHeaderSize = 16;
    public const int MaxKeySize = 32768;

    public const ushort BranchFlag = 0x01;
    public const ushort LeafFlag = 0x02;
    public const ushort MetaFlag = 0x04;
    public const ushort FreelistFlag = 0x10;
    public const uint BucketLeafFlag = 0x01;

    /// <summary>bbolt looks for meta 1 at 1 KiB &lt;&lt; 0…14 when meta 0 cannot tell the page size.</summary>
    public const int ProbeShifts = 15;
    public const int MinPageSize = 512;

    public static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    public static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    public static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);

    public static string PageKind(ushort flags) => flags switch
    {
        BranchFlag => "branch",
        LeafFlag => "leaf",
        MetaFlag => "meta",
        FreelistFlag => "freelist",
        _ => $"unknown (flags 0x{flags:x4})",
    };
}
