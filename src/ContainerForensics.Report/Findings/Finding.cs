namespace ContainerForensics.Report.Findings;

/// <summary>One archive member a finding rests on, with its sha256 from the manifest (null when the manifest has none: a symlink, a record without a member).</summary>
public sealed record EvidenceRef(string Path, string? Sha256);

/// <summary>What a rule found in one container; never without evidence (<see cref="Evidence"/> is not empty).</summary>
public sealed record Finding(string Id, Severity Severity, string Title, string Container, string Attack, IReadOnlyList<EvidenceRef> Evidence, string Detail);
