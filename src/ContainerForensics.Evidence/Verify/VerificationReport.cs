namespace ContainerForensics.Evidence.Verify;

/// <summary>What <c>cfir verify</c> found. Ok only when there is no problem at all.</summary>
public sealed class VerificationReport
{
    public string? Format { get; set; }

    public List<VerificationProblem> Problems { get; } = [];

    /// <summary>Entries the collection itself marked truncated (by <c>--max-file-size</c>): listed, not a failure.</summary>
    public List<string> Truncated { get; } = [];

    /// <summary>Entries the collection marked partial, failed, skipped or missing: listed, not a failure of the archive.</summary>
    public Dictionary<string, long> StatusCounts { get; } = new(StringComparer.Ordinal);

    public long Members { get; set; }

    public long ManifestEntries { get; set; }

    public long ErrorRecords { get; set; }

    /// <summary>What the seal claims about the collection; checked against <see cref="CollectionComplete"/>.</summary>
    public bool? SealComplete { get; set; }

    /// <summary>
    /// Whether the collection was complete, derived from the manifest's statuses, the error
    /// records and the seal's interruption flag (never from the seal's own <c>complete</c>); a
    /// partial collection whose archive is intact still verifies. Null when the manifest was not read.
    /// </summary>
    public bool? CollectionComplete { get; set; }

    public string? SealEndedAt { get; set; }

    /// <summary>sha256 of the bytes as they arrived, to compare with the hash cfir printed at the end of the collection.</summary>
    public string? ArchiveSha256 { get; set; }

    public long ArchiveBytes { get; set; }

    /// <summary>Who signed the seal (SEAL.sig), as the signature check names them; null when unsigned or unchecked.</summary>
    public string? Signature { get; set; }

    /// <summary>How the archive was encrypted and who opened it, when it was (age); null otherwise.</summary>
    public string? Encryption { get; set; }

    /// <summary>For an encrypted archive: the sha256 and size of the archive inside (the plaintext); <see cref="ArchiveSha256"/> is then of the encrypted bytes.</summary>
    public string? InnerSha256 { get; set; }

    public long InnerBytes { get; set; }

    public bool Ok => Problems.Count == 0;

    public void Add(string kind, string? path, string detail) => Problems.Add(new VerificationProblem(kind, path, detail));
}

/// <summary>One mismatch: kind is missing, extra, modified, size, manifest, sums, seal, signature, acquisition, corrupt, decrypt or trailing.</summary>
public sealed record VerificationProblem(string Kind, string? Path, string Detail)
{
    public override string ToString() => Path is null ? $"{Kind}: {Detail}" : $"{Kind}: {Path}: {Detail}";
}
