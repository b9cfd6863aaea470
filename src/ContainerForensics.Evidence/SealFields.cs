namespace ContainerForensics.Evidence;

/// <summary>
/// The field names of SEAL.json (docs/evidence-format.md, "The seal"): the one place that names
/// them, for the writer that seals and the reader that reads the seal back.
/// </summary>
public static class SealFields
{
    public const string Format = "format";
    public const string Tool = "tool";
    public const string Container = "container";
    public const string SealedBytes = "sealedBytes";
    public const string SealedBytesSha256 = "sealedBytesSha256";
    public const string Sha256SumsSha256 = "sha256sumsSha256";
    public const string ManifestSha256 = "manifestSha256";
    public const string Entries = "entries";
    public const string Errors = "errors";
    public const string StatusCounts = "statusCounts";
    public const string StartedAt = "startedAt";
    public const string EndedAt = "endedAt";
    public const string Complete = "complete";
    public const string Interrupted = "interrupted";
    public const string Interruption = "interruption";

    /// <summary>The seal's own sha256, its last field (<see cref="SealJson"/>).</summary>
    public const string SealSha256 = "sealSha256";
}
