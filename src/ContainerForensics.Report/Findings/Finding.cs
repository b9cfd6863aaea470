namespace ContainerForensics.Report.Findings;

/// <summary>One archive member a finding rests on, with its sha256 from the manifest (null when the manifest has none: a symlink, a record without a member).</summary>
public sealed record EvidenceRef(string Path, string? Sha256);

/// <summary>What a rule found in one container; never without evidence (<see cref="Evidence"/> is not empty).</summary>
public sealed record Finding(string Id, Severity Severity, string Title, string Container, string Attack, IReadOnlyList<EvidenceRef> Evidence, string Detail)
{
    /// <summary>What the finding is about, for the log excerpts around it: not part of the JSON.</summary>
    public FindingSubject? Subject { get; init; }
}

/// <summary>
/// The words a log line that mentions a finding's subject would hold (a file's path and name, a
/// process's executable and name, a port, an account), and the time the subject has (a process's
/// start, a file's mtime, the container's start), when it has one.
/// </summary>
public sealed record FindingSubject(IReadOnlyList<string> Terms, ContainerForensics.Core.Evidence.UnixTime? Time, string? TimeIs);
