namespace ContainerForensics.Evidence.Reading;

/// <summary>One member of an archive, as the reader meets it.</summary>
/// <param name="Name">The member's name, without a directory's trailing slash.</param>
/// <param name="Kind"><c>regular</c>, <c>directory</c>, <c>symlink</c>, <c>hardlink</c>, <c>chardevice</c>, <c>blockdevice</c>, <c>fifo</c>: the container format's own type.</param>
/// <param name="HasContent">Whether it has content to read (a regular member): only such members' bytes are handed out.</param>
/// <param name="Offset">Where its header starts: in the tar stream (uncompressed), or in a zip file; null in a zip read as a stream.</param>
/// <param name="PrefixSha256">
/// For the seal only: the sha256 of every byte before it (the seal's <c>sealedBytesSha256</c>
/// claims it). Null for other members, and in a zip read as a stream, whose offsets are known
/// only afterwards (<see cref="EvidenceArchiveReader.PrefixSha256At"/>).
/// </param>
public sealed record ArchiveMember(string Name, string Kind, bool HasContent, long? Offset, string? PrefixSha256);
