using Xunit;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A test that runs real tools as the oracle (Debian's <c>age</c>, <c>ssh-keygen</c>,
/// <c>ssh-agent</c>: scripts/rig/up.sh installs them). Outside CI it is skipped, with the
/// reason, when one is missing; in CI (CI=true) it runs and fails, because a green CI without
/// the oracle would prove nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools) => Skip = ToolCheck.SkipReason(tools);
}

/// <summary>The theory form of <see cref="ToolFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools) => Skip = ToolCheck.SkipReason(tools);
}

/// <summary>Whether the real tools a test holds cfir against are installed.</summary>
public static class ToolCheck
{
    /// <summary>The tool's path on PATH, or null.</summary>
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    internal static string? SkipReason(IEnumerable<string> tools)
    {
        var missing = tools.Where(t => Find(t) is null).ToList();
        return !RigEnvironment.IsCi && missing.Count > 0
            ? $"{string.Join(", ", missing)} not found on PATH: run scripts/rig/up.sh (Debian packages age, openssh-client)"
            : null;
    }
}
