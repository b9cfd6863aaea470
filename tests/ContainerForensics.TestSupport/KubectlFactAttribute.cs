using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A test that runs the real kubectl (Debian's kubernetes-client, installed by scripts/rig/up.sh)
/// against the stand-in API server, to prove the stand-in speaks the protocol a real client
/// expects. Outside CI it is skipped, with the reason, when kubectl is missing; in CI (CI=true)
/// it runs and fails, because a green CI without kubectl would prove nothing. A test of a
/// command newer clients have (auth whoami: 1.27) sets <see cref="MinimumMinor"/> and is skipped,
/// CI or not, with the reason, on an older kubectl: bookworm's kubernetes-client is 1.20.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlFactAttribute : FactAttribute
{
    private static readonly Lazy<int?> ClientMinor = new(ReadClientMinor);

    public KubectlFactAttribute()
    {
        if (!RigEnvironment.IsCi && KubectlPath is null)
        {
            Skip = "kubectl not found (CFIR_TEST_KUBECTL, PATH): install Debian's kubernetes-client or run scripts/rig/up.sh";
        }
    }

    /// <summary>The oldest kubectl 1.x minor version that has what the test runs.</summary>
    public int MinimumMinor
    {
        get => field;
        init
        {
            field = value;
            if (Skip is null && KubectlPath is not null && ClientMinor.Value is { } minor && minor < value)
            {
                Skip = $"kubectl 1.{minor} is older than 1.{value}, which the test needs";
            }
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

    /// <summary>clientVersion.minor of `kubectl version --client -o json` ("32+" reads 32); null when it cannot be told.</summary>
    private static int? ReadClientMinor()
    {
        try
        {
            var start = new ProcessStartInfo(KubectlPath!, ["version", "--client", "-o", "json"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            using var doc = JsonDocument.Parse(output);
            string minor = doc.RootElement.GetProperty("clientVersion").GetProperty("minor").GetString() ?? "";
            return int.TryParse(minor.TrimEnd('+'), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
