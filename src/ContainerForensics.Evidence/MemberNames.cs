using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence;

/// <summary>
/// The name a member gets in the tar or zip (docs/evidence-format.md, "Long paths"). It is the
/// entry's archive path, unless the tools the archive promises to work with could not create
/// that path: GNU tar, unzip and sha256sum hand each name to the kernel, which refuses a path of
/// PATH_MAX (4096) bytes or more and a segment over NAME_MAX (255) bytes (ENAMETOOLONG). Escaping
/// can triple a segment ('%' becomes "%25"), so a 255-byte name from a container can be a
/// 765-byte segment. Such an entry is stored as
/// <code>&lt;readable prefix&gt;/%long/&lt;sha256 of the archive path&gt;-&lt;start of its last segment&gt;</code>
/// with its whole archive path in the member's <see cref="PathRecord"/> PAX record and in the
/// manifest (<c>path</c>; <c>memberName</c> is the short name; <c>source.path</c> the original bytes).
/// </summary>
/// <remarks>
/// WHY here and not in <see cref="EvidenceLayout"/>: the layout's archive path is the
/// injective, reversible name of the evidence (the manifest's <c>path</c>); only the writer sees
/// the final member name, after it adds "~2" to a name used twice and ".wh." to a whiteout, either
/// of which can push a 255-byte segment over the limit. The limits belong to the extraction
/// tools, so they apply to member names, in tar and zip alike.
/// <para>WHY these forms: <c>%long</c> cannot come from an escaped name (escaping writes '%' only
/// as %XX, hex digits) nor from the layout's literals, so no container file can take a short
/// name; the full SHA-256 of the archive path keeps two long paths apart however much they share
/// (and the writer still checks each short name is unused). The prefix is whole leading
/// segments, at most <see cref="PrefixBytes"/> bytes, each within the segment limit, so the
/// entries of one deep chain land side by side in one folder under the deepest ancestor tar
/// could create, and every parent a short name needs is either a member or made by tar.</para>
/// </remarks>
internal static class MemberNames
{
    /// <summary>
    /// Longest member name kept as it is, in UTF-8 bytes. Below PATH_MAX (4096 with its NUL) by
    /// 1 KiB, so a tree extracted in a directory up to 1 KiB deep keeps its absolute paths usable too.
    /// </summary>
    public const int MaxNameBytes = 3072;

    /// <summary>NAME_MAX: the longest segment Linux file systems take.</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>Longest symlink target kept as it is: symlink(2) refuses PATH_MAX bytes (GNU tar then fails the member).</summary>
    public const int MaxLinkTargetBytes = 4095;

    /// <summary>The folder short names go in; a '%' not followed by two hex digits, which no escaped name has.</summary>
    public const string LongFolder = "%long";

    /// <summary>PAX record of a member with a short name: its whole archive path (UTF-8, escaped as in the manifest).</summary>
    public const string PathRecord = "CFIR.path";

    /// <summary>PAX record of a symlink whose target was replaced: the whole target, base64 (the bytes need not be UTF-8).</summary>
    public const string LinkPathRecord = "CFIR.linkpath.base64";

    /// <summary>How much of the archive path a short name keeps in front of <see cref="LongFolder"/>.</summary>
    public const int PrefixBytes = 2048;

    /// <summary>How much of the last segment follows the hash: enough to recognise a file, leaving room for "~N".</summary>
    public const int LeafBytes = 160;

    /// <summary>Whether an archive path can be a member name as it is.</summary>
    public static bool Fits(string path)
    {
        if (Encoding.UTF8.GetByteCount(path) > MaxNameBytes)
        {
            return false;
        }
        foreach (var range in path.AsSpan().Split('/'))
        {
            if (Encoding.UTF8.GetByteCount(path.AsSpan()[range]) > MaxSegmentBytes)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The member name of an archive path: the path itself when it fits, else its short name (same input, same answer).</summary>
    public static ArchivePath For(ArchivePath path)
    {
        if (Fits(path.Value))
        {
            return path;
        }
        string[] segments = path.Value.Split('/');
        var name = new StringBuilder(PrefixBytes + LeafBytes + 128);
        int prefixBytes = 0;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            int bytes = Encoding.UTF8.GetByteCount(segments[i]);
            int added = bytes + (i == 0 ? 0 : 1);
            if (bytes > MaxSegmentBytes || prefixBytes + added > PrefixBytes)
            {
                break;
            }
            name.Append(segments[i]).Append('/');
            prefixBytes += added;
        }
        name.Append(LongFolder).Append('/')
            .Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path.Value))))
            .Append('-').Append(Start(segments[^1], LeafBytes));
        return ArchivePath.Parse(name.ToString());
    }

    /// <summary>
    /// The header as stored: named <paramref name="member"/>, with the whole path in a PAX record
    /// when that differs from <paramref name="path"/>, and a symlink target symlink(2) would refuse
    /// replaced by a name that resolves nowhere (the whole target in a PAX record and the manifest).
    /// </summary>
    public static TarHeader Apply(TarHeader header, ArchivePath path, ArchivePath member)
    {
        List<KeyValuePair<string, string>>? records = null;
        if (!ReferenceEquals(path, member) && path.Value != member.Value)
        {
            records = [.. header.ExtraRecords, new(PathRecord, path.Value)];
            header = header with { Name = Encoding.UTF8.GetBytes(member.Value) };
        }
        if (header.Type == TarEntryType.Symlink && header.LinkName is { Length: > MaxLinkTargetBytes } target)
        {
            records ??= [.. header.ExtraRecords];
            records.Add(new(LinkPathRecord, Convert.ToBase64String(target)));
            header = header with { LinkName = Encoding.ASCII.GetBytes(LongFolder + "-target-" + Convert.ToHexStringLower(SHA256.HashData(target))) };
        }
        return records is null ? header : header with { ExtraRecords = records };
    }

    /// <summary>The longest start of a segment within <paramref name="maxBytes"/> UTF-8 bytes, cut between characters.</summary>
    private static string Start(string segment, int maxBytes)
    {
        int bytes = 0;
        int end = 0;
        foreach (var rune in segment.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > maxBytes)
            {
                break;
            }
            end += rune.Utf16SequenceLength;
        }
        return segment[..end];
    }
}
