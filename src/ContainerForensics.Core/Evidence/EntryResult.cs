namespace ContainerForensics.Core.Evidence;

/// <summary>What the writer made of an entry: the final status and the content's sha256.</summary>
public sealed record EntryResult(ArchivePath Path, EntryStatus Status, string? Sha256, long BytesRead, string? Reason);
