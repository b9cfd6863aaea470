namespace ContainerForensics.Report.Triage;

/// <summary>A few consecutive lines of one log member around a finding, and why they were chosen.</summary>
public sealed record LogExcerpt(string Path, string Why, IReadOnlyList<ExcerptLine> Lines);

/// <summary>One log line (1-based in its member, cut at the report's line cap); <see cref="Hit"/> marks the line the excerpt is around.</summary>
public sealed record ExcerptLine(long Number, string Text, bool Hit);
