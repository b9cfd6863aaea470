using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Rooted;

/// <summary>What <see cref="RootedFileReader"/> made of one path inside a container's root.</summary>
internal sealed record RootedFile
{
    public EntryStatus Status { get; init; } = EntryStatus.Collected;

    public string? Reason { get; init; }

    public int? Errno { get; init; }

    /// <summary>statx of the file reached (after following symlinks inside the root).</summary>
    public FileStat? Stat { get; init; }

    /// <summary>When the path itself is a symlink: its target, byte-exact (followed inside the root, never on the host).</summary>
    public byte[]? LinkTarget { get; init; }

    /// <summary>The open file's bytes for a regular file; null otherwise. Owns a descriptor: hand it to the sink or dispose it.</summary>
    public IEvidenceContent? Content { get; init; }

    /// <summary>
    /// ENOENT is <see cref="EntryStatus.Absent"/>: the path was looked up once, inside a root
    /// that is still there, and nothing says it ever existed (an image without /etc/hosts is
    /// normal). Anything else is a failure to read what is there.
    /// </summary>
    internal static RootedFile Failure(int errno, string what, byte[]? linkTarget = null)
    {
        bool absent = errno == UnixError.ENOENT;
        return new RootedFile
        {
            Status = absent ? EntryStatus.Absent : EntryStatus.Failed,
            Reason = absent ? "not present in the container" : $"{what}: {UnixError.Describe(errno)}",
            Errno = errno,
            LinkTarget = linkTarget,
        };
    }
}
