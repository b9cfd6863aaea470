namespace ContainerForensics.Report.Findings;

/// <summary>How bad a finding is; the order is the ranking (the report lists the worst first).</summary>
public enum Severity
{
    Info,
    Low,
    Medium,
    High,
    Critical,
}
