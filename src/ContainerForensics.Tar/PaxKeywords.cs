namespace ContainerForensics.Tar;

/// <summary>
/// The pax keywords we write and read. Standard ones are POSIX.1-2001 (pax, "pax Extended Header
/// Keyword Definitions"); SCHILY.* come from star and are what GNU tar reads for xattrs and large
/// device numbers; GNU.sparse.* are GNU tar's sparse formats ("Storing Sparse Files",
/// https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html).
/// </summary>
internal static class PaxKeywords
{
    public const string Path = "path";
    public const string LinkPath = "linkpath";
    public const string Size = "size";
    public const string Uid = "uid";
    public const string Gid = "gid";
    public const string UserName = "uname";
    public const string GroupName = "gname";
    public const string ModifiedTime = "mtime";
    public const string AccessTime = "atime";
    public const string ChangeTime = "ctime";

    /// <summary>"BINARY" says path/linkpath/uname/gname values are raw bytes, not UTF-8.</summary>
    public const string HeaderCharset = "hdrcharset";

    public const string DevMajor = "SCHILY.devmajor";
    public const string DevMinor = "SCHILY.devminor";
    public const string XattrPrefix = "SCHILY.xattr.";

    public const string SparsePrefix = "GNU.sparse.";
    public const string SparseMajor = "GNU.sparse.major";
    public const string SparseMinor = "GNU.sparse.minor";
    public const string SparseName = "GNU.sparse.name";
    public const string SparseRealSize = "GNU.sparse.realsize";

    // GNU sparse 0.0 and 0.1 (read only): the map lives in the pax header itself.
    public const string SparseSize = "GNU.sparse.size";
    public const string SparseMap = "GNU.sparse.map";
    public const string SparseOffset = "GNU.sparse.offset";
    public const string SparseNumBytes = "GNU.sparse.numbytes";

    public static ReadOnlySpan<byte> Binary => "BINARY"u8;

    /// <summary>
    /// Keywords whose meaning the header carries in its own fields; a caller's extra record must not
    /// use them, and on reading they do not come back as extras.
    /// </summary>
    public static bool IsReserved(string keyword) =>
        keyword is Path or LinkPath or Size or Uid or Gid or UserName or GroupName
            or ModifiedTime or AccessTime or ChangeTime or HeaderCharset or DevMajor or DevMinor
        || keyword.StartsWith(XattrPrefix, StringComparison.Ordinal)
        || keyword.StartsWith(SparsePrefix, StringComparison.Ordinal);

    /// <summary>
    /// GNU tar escapes '%' and '=' in an xattr name inside the keyword ("%25", "%3D"), since the
    /// keyword ends at the first '=' (xheader.c, xattr_encode_keyword). We do the same so that GNU
    /// tar restores the name it was given.
    /// </summary>
    public static string EncodeXattrName(string name)
    {
        if (name.AsSpan().IndexOfAny('%', '=') < 0)
        {
            return XattrPrefix + name;
        }
        return XattrPrefix + name.Replace("%", "%25", StringComparison.Ordinal).Replace("=", "%3D", StringComparison.Ordinal);
    }

    /// <summary>Reverses <see cref="EncodeXattrName"/> for the part after the prefix (only %25 and %3D, as GNU tar).</summary>
    public static string DecodeXattrName(string encoded)
    {
        if (!encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded;
        }
        var sb = new System.Text.StringBuilder(encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length)
            {
                string code = encoded.Substring(i + 1, 2);
                if (code == "25")
                {
                    sb.Append('%');
                    i += 2;
                    continue;
                }
                if (code == "3D")
                {
                    sb.Append('=');
                    i += 2;
                    continue;
                }
            }
            sb.Append(encoded[i]);
        }
        return sb.ToString();
    }
}
