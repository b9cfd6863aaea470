namespace ContainerForensics.Evidence.Reading;

/// <summary>What an archive says about itself: its records, read by <see cref="EvidenceArchiveReader.ReadRecords"/>.</summary>
/// <param name="Format"><c>tar</c>, <c>tar.gz</c>, <c>tar.zst</c> or <c>zip</c>.</param>
/// <param name="Acquisition">The acquisition record; null when the archive has none or it is not a JSON object.</param>
/// <param name="Seal">The seal; null when the archive has none (an archive whose collection never closed) or it is not a JSON object.</param>
/// <param name="ManifestLines">Lines of manifest.jsonl, those that could not be read included.</param>
/// <param name="ErrorLines">Records of errors.jsonl.</param>
/// <param name="Problems">The first problems met (at most 100).</param>
/// <param name="ProblemCount">All problems met.</param>
public sealed record ArchiveRecords(string Format, AcquisitionRecordDocument? Acquisition, Seal? Seal, long ManifestLines, long ErrorLines,
    IReadOnlyList<ReaderProblem> Problems, long ProblemCount);
