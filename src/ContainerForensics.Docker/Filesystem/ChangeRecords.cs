using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>Items the API-based sources make from <c>/changes</c> alone: deletions, and paths listed but gone by the time they were read.</summary>
internal static class ChangeRecords
{
    /// <summary>A path deleted in the writable layer; the writer stores it as an OCI-style ".wh." marker.</summary>
    public static EvidenceItem Whiteout(byte[] path, string changesCall) => new()
    {
        Section = EvidenceSection.FilesystemChanged,
        RawPath = path,
        Source = new EvidenceSource { Description = changesCall },
        Metadata = new EntryMetadata { Kind = EntryKind.Whiteout },
    };

    public static EvidenceItem Missing(byte[] path, string description, string reason) =>
        EvidenceItem.NotCollected(EvidenceSection.FilesystemChanged, path, EntryStatus.Missing, reason, new EvidenceSource { Description = description });

    public static EvidenceItem Failed(byte[] path, string description, string reason) =>
        EvidenceItem.NotCollected(EvidenceSection.FilesystemChanged, path, EntryStatus.Failed, reason, new EvidenceSource { Description = description });
}
