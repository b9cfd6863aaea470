using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Tar;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// One entry of an engine's tar stream (<c>/export</c>, <c>/archive</c>) as evidence: the
/// header's metadata as the engine wrote it (mode, owner ids and names, mtime and, when the
/// engine sends pax times, atime and ctime, link target, device numbers, xattrs) and, for a
/// regular file, its content streamed from the reader.
/// </summary>
internal static class TarEvidence
{
    /// <param name="linkTarget">For a hard link: the container path of the file it names (the tar link name mapped like the entry names).</param>
    public static EntryMetadata Metadata(TarHeader header, byte[]? linkTarget)
    {
        var kind = header.Type switch
        {
            TarEntryType.Directory => EntryKind.Directory,
            TarEntryType.Symlink => EntryKind.Symlink,
            TarEntryType.HardLink => EntryKind.HardLink,
            TarEntryType.CharDevice => EntryKind.CharDevice,
            TarEntryType.BlockDevice => EntryKind.BlockDevice,
            TarEntryType.Fifo => EntryKind.Fifo,
            _ => EntryKind.File,
        };
        bool device = kind is EntryKind.CharDevice or EntryKind.BlockDevice;
        return new EntryMetadata
        {
            Kind = kind,
            Mode = header.Mode,
            Uid = header.Uid,
            Gid = header.Gid,
            UserName = header.UserName,
            GroupName = header.GroupName,
            Size = kind == EntryKind.File ? header.Size : null,
            ModifiedTime = header.ModifiedTime,
            AccessTime = header.AccessTime,
            ChangeTime = header.ChangeTime,
            LinkTarget = kind switch
            {
                EntryKind.Symlink => header.LinkName ?? [],
                EntryKind.HardLink => linkTarget,
                _ => null,
            },
            DeviceMajor = device ? header.DevMajor : null,
            DeviceMinor = device ? header.DevMinor : null,
            ExtendedAttributes = header.ExtendedAttributes,
        };
    }

    /// <summary>
    /// The item for the entry the reader stands on. A regular file gets streaming content (null
    /// <paramref name="content"/> otherwise): over --max-file-size it is cut (truncate) or left
    /// out (skip), as for host files. A hard link is a record naming its target, never a copy.
    /// </summary>
    public static EvidenceItem Item(
        PaxTarReader reader, TarHeader header, EvidenceSection section, byte[] rawPath, byte[]? hardLinkTarget,
        CaptureLimits limits, EvidenceSource source, out TarEntryContent? content)
    {
        content = null;
        var metadata = Metadata(header, hardLinkTarget);
        var item = new EvidenceItem { Section = section, RawPath = rawPath, Source = source, Metadata = metadata };
        if (metadata.Kind != EntryKind.File)
        {
            return item;
        }
        if (limits.MaxFileSize is long max && header.Size > max && limits.OversizePolicy == OversizePolicy.Skip)
        {
            return item with { Status = EntryStatus.Skipped, Reason = $"larger than --max-file-size: {header.Size} > {max} bytes" };
        }
        content = new TarEntryContent(reader, header, limits.MaxFileSize, source.Description ?? "tar stream");
        return item with { Content = content };
    }
}
