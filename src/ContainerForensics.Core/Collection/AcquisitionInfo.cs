namespace ContainerForensics.Core.Collection;

/// <summary>Who ran the collection, why, and with what: the parts of the acquisition record that come from the command line.</summary>
public sealed record AcquisitionInfo
{
    public string ToolName { get; init; } = "cfir";

    public string ToolVersion { get; init; } = "0.0.0";

    public string? ToolCommit { get; init; }

    public IReadOnlyList<string> CommandLine { get; init; } = [];

    public string? Examiner { get; init; }

    public string? Case { get; init; }

    public string? Note { get; init; }

    public string? FormatVersion { get; init; }

    public string? OutputDescription { get; init; }

    /// <summary>The archive's format as <c>--format</c> names it (<c>tar.zst</c>); null: not recorded.</summary>
    public string? ArchiveFormat { get; init; }

    /// <summary>The compression level of a compressed format (<c>--zstd-level</c>; gzip's fixed level); null for none.</summary>
    public int? CompressionLevel { get; init; }

    /// <summary>The seal's signing key and the archive's recipients (<c>--sign-key</c>, <c>--encrypt-to</c>).</summary>
    public SealingInfo Sealing { get; init; } = new();
}
