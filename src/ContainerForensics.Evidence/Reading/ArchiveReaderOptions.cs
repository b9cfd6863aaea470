namespace ContainerForensics.Evidence.Reading;

/// <summary>How an <see cref="EvidenceArchiveReader"/> reads, and whom it tells what it finds on the way.</summary>
public sealed record ArchiveReaderOptions
{
    /// <summary>For an AES-encrypted zip, which must then be a seekable file (zip's decryption needs the central directory).</summary>
    public string? ZipPassword { get; init; }

    /// <summary>Each manifest line, typed, as the manifest streams past (a line that cannot be read at all is a problem instead).</summary>
    public Action<ManifestLine>? OnManifestLine { get; init; }

    /// <summary>Each record of errors.jsonl, typed, as it streams past.</summary>
    public Action<ErrorLine>? OnErrorLine { get; init; }

    /// <summary>Each problem, as it is found (the reader also keeps the first few: <see cref="EvidenceArchiveReader.Problems"/>).</summary>
    public Action<ReaderProblem>? OnProblem { get; init; }

    /// <summary>
    /// Whether the archive's own sha256 and the seal's prefix hash are taken (the default). A
    /// reader that wants the documents only (the findings read back right after collect hashed
    /// what it wrote; a report whose verification pass hashes the same file) sets false and saves
    /// two sha256 passes; <see cref="EvidenceArchiveReader.ArchiveSha256"/> then throws and
    /// <see cref="ArchiveMember.PrefixSha256"/> is null.
    /// </summary>
    public bool Hashes { get; init; } = true;

    /// <summary>
    /// Manifest lines read for the fields a triage uses only (<see cref="ManifestLine.ParseBrief"/>:
    /// path, kind, status, member, mode, size, sha256, mtime), straight from the line's bytes; the
    /// other properties are null, and a field of the wrong type is left null without a problem
    /// (verification's full reading reports it). A line that is not JSON is still a problem.
    /// </summary>
    public bool BriefManifest { get; init; }
}
