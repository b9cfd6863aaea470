namespace ContainerForensics.Report.Timeline;

/// <summary>
/// Who an archive path belongs to, from the layout (docs/evidence-format.md, "Layout"):
/// <c>containers/&lt;runtime&gt;/&lt;ns&gt;/.../&lt;name&gt;_&lt;id12&gt;/&lt;section&gt;/...</c> names the
/// runtime and the container folder (the innermost one, for a nested container or a pod
/// member); <c>runtimes/&lt;runtime&gt;/...</c> is engine-wide evidence.
/// </summary>
internal readonly record struct ArchiveLocation(string? Runtime, string? Container, string? Section)
{
    private static readonly HashSet<string> Sections = new(StringComparer.Ordinal)
    {
        "volatile", "metadata", "logs", "filesystem", "volumes", "api",
    };

    public static ArchiveLocation Of(string archivePath)
    {
        var segments = archivePath.Split('/');
        if (segments.Length >= 2 && segments[0] == "runtimes")
        {
            return new ArchiveLocation(segments[1], null, segments.Length > 2 ? segments[2] : null);
        }
        if (segments.Length < 3 || segments[0] != "containers")
        {
            return default;
        }
        // The section nearest the leaf wins: "nested/<rt>/<ns>/<c>/volatile" sits below the node's folder.
        for (int i = segments.Length - 2; i >= 3; i--)
        {
            if (Sections.Contains(segments[i]))
            {
                return new ArchiveLocation(segments[1], segments[i - 1], segments[i]);
            }
        }
        return new ArchiveLocation(segments[1], null, null);
    }
}
