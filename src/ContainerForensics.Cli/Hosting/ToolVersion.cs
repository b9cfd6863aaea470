using System.Reflection;

namespace ContainerForensics.Cli.Hosting;

/// <summary>The version and git commit stamped into the build (Directory.Build.props).</summary>
internal static class ToolVersion
{
    private static readonly string Informational =
        typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The release version, without the commit.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The commit the binary was built from, or "unknown".</summary>
    public static string Commit => Informational.Contains('+', StringComparison.Ordinal) ? Informational[(Informational.IndexOf('+', StringComparison.Ordinal) + 1)..] : "unknown";

    public static string Describe() => $"cfir {Version} (commit {Commit})";
}
