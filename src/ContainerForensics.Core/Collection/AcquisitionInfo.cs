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

    /// <summary>The seal's signing key and the archive's recipients (<c>--sign-key</c>, <c>--encrypt-to</c>).</summary>
    public SealingInfo Sealing { get; init; } = new();
}
