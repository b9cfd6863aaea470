namespace ContainerForensics.Evidence.Manifest;

/// <summary>
/// The field names of a manifest line (docs/evidence-format.md, "The manifest"): the one place
/// that names them, used by <see cref="ManifestWriter"/> and by the archive reader, so what
/// is written and what is read back cannot drift apart.
/// </summary>
public static class ManifestFields
{
    public const string Path = "path";
    public const string Kind = "kind";
    public const string Status = "status";
    public const string Reason = "reason";
    public const string Errno = "errno";
    public const string Member = "member";
    public const string MemberName = "memberName";
    public const string Source = "source";
    public const string Mode = "mode";
    public const string Uid = "uid";
    public const string Gid = "gid";
    public const string User = "user";
    public const string Group = "group";
    public const string Size = "size";
    public const string StoredSize = "storedSize";
    public const string BytesRead = "bytesRead";
    public const string Sha256 = "sha256";
    public const string Sha1 = "sha1";
    public const string Md5 = "md5";
    public const string ModifiedTime = "mtime";
    public const string AccessTime = "atime";
    public const string ChangeTime = "ctime";
    public const string BirthTime = "btime";
    public const string LinkTarget = "linkTarget";
    public const string HardLinkTo = "hardLinkTo";
    public const string Device = "device";
    public const string Inode = "inode";
    public const string LinkCount = "nlink";
    public const string Xattrs = "xattrs";
    public const string Sparse = "sparse";
    public const string Unreadable = "unreadable";
    public const string ChangedWhileRead = "changedWhileRead";
    public const string StreamPart = "streamPart";
    public const string CollectedAt = "collectedAt";
    public const string Offset = "offset";

    /// <summary>
    /// Bytes that are not UTF-8 (a path, a link target) are written base64 under the field's
    /// name with this suffix instead (<c>pathBase64</c>, <c>linkTargetBase64</c>).
    /// </summary>
    public const string Base64Suffix = "Base64";

    /// <summary>Inside <see cref="Source"/>.</summary>
    public static class InSource
    {
        public const string Runtime = "runtime";
        public const string ContainerId = "containerId";
        public const string ContainerName = "containerName";

        /// <summary>The nesting chain (<see cref="Core.Collection.Nesting.NestingFields"/>), for evidence of a nested runtime or its containers.</summary>
        public const string NestedIn = Core.Collection.Nesting.NestingFields.NestedIn;
        public const string Path = "path";
        public const string Description = "description";
    }

    /// <summary>Inside <see cref="Device"/>.</summary>
    public static class InDevice
    {
        public const string Major = "major";
        public const string Minor = "minor";
    }

    /// <summary>Inside <see cref="StreamPart"/>.</summary>
    public static class InStreamPart
    {
        public const string Number = "number";
        public const string First = "first";
        public const string Next = "next";
        public const string WholeSha256 = "wholeSha256";
        public const string WholeSize = "wholeSize";
    }
}
