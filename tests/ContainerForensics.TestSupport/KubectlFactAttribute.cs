using Xunit;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A test that runs the real kubectl (Debian's kubernetes-client, installed by scripts/rig/up.sh)
/// against the stand-in API server, to prove the stand-in speaks the protocol a real client
/// expects. Outside CI it is skipped, with the reason, when kubectl is missing; in CI (CI=true)
/// it runs and fails, because a green CI without kubectl would prove nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (!RigEnvironment.IsCi && KubectlPath is null)
        {
            Skip = "kubectl not found (CFIR_TEST_KUBECTL, PATH): install Debian's kubernetes-client or run scripts/rig/up.sh";
        }
    }

    /// <summary>$CFIR_TEST_KUBECTL when set, else the first kubectl on PATH; null when there is none.</summary>
    public static string? KubectlPath { get; } = Find();

    private static string? Find()
    {
        if (RigEnvironment.Get("CFIR_TEST_KUBECTL") is { } configured)
        {
            return File.Exists(configured) ? configured : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
