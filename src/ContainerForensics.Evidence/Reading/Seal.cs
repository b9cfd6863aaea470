using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// SEAL.json, typed (docs/evidence-format.md, "The seal"): what the writer says about the archive
/// and the collection when it closed it. These are claims: verify holds them against what the
/// archive holds (ArchiveVerifier, SealClaims). A field the seal lacks, or that could not be read
/// (reported as a <see cref="ReaderProblem"/>), is null.
/// </summary>
public sealed record Seal
{
    /// <summary><c>cfir-evidence/1.0</c>.</summary>
    public string? Format { get; init; }

    /// <summary>The writer's name and version.</summary>
    public string? Tool { get; init; }

    /// <summary><c>pax-tar</c> or <c>zip</c>.</summary>
    public string? Container { get; init; }

    /// <summary>Offset of the seal member: the number of bytes before it (tar: of the uncompressed tar stream).</summary>
    public long? SealedBytes { get; init; }

    /// <summary>sha256 of those bytes.</summary>
    public string? SealedBytesSha256 { get; init; }

    public string? Sha256SumsSha256 { get; init; }

    public string? ManifestSha256 { get; init; }

    /// <summary>Manifest lines.</summary>
    public long? Entries { get; init; }

    /// <summary>Error records.</summary>
    public long? Errors { get; init; }

    /// <summary>Entries per status; the writer lists only statuses that occurred.</summary>
    public IReadOnlyDictionary<string, long>? StatusCounts { get; init; }

    public UnixTime? StartedAt { get; init; }

    public UnixTime? EndedAt { get; init; }

    public bool? Complete { get; init; }

    public bool? Interrupted { get; init; }

    /// <summary>The signal that stopped the run.</summary>
    public string? Interruption { get; init; }

    /// <summary>The seal's own sha256 (unkeyed: it finds an accident, not a forgery).</summary>
    public string? SealSha256 { get; init; }

    /// <param name="problem">A field that is missing or cannot be read (dotted name, sentence).</param>
    /// <param name="unreadable">Why the seal cannot be read at all.</param>
    internal static Seal? Parse(byte[] json, Action<string, string> problem, Action<string> unreadable)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            // JsonDocument validates a string only when it is read, and would throw then.
            unreadable("not UTF-8 text");
            return null;
        }
        var seal = JsonFields.Read(json, f => new Seal
        {
            Format = f.String(SealFields.Format, required: true),
            Tool = f.String(SealFields.Tool),
            Container = f.String(SealFields.Container, required: true),
            SealedBytes = f.Int64(SealFields.SealedBytes, required: true),
            SealedBytesSha256 = f.String(SealFields.SealedBytesSha256, required: true),
            Sha256SumsSha256 = f.String(SealFields.Sha256SumsSha256, required: true),
            ManifestSha256 = f.String(SealFields.ManifestSha256, required: true),
            Entries = f.Int64(SealFields.Entries, required: true),
            Errors = f.Int64(SealFields.Errors, required: true),
            StatusCounts = f.Counts(SealFields.StatusCounts, required: true),
            StartedAt = f.Time(SealFields.StartedAt, required: true),
            EndedAt = f.Time(SealFields.EndedAt, required: true),
            Complete = f.Bool(SealFields.Complete, required: true),
            Interrupted = f.Bool(SealFields.Interrupted, required: true),
            Interruption = f.String(SealFields.Interruption),
            SealSha256 = f.String(SealFields.SealSha256, required: true),
        }, problem, detail => unreadable($"not JSON: {detail}"));
        if (seal?.Format is { } format && !ArchiveNames.IsReadableFormat(format))
        {
            problem(SealFields.Format, $"unknown format '{format}'");
        }
        return seal;
    }
}
