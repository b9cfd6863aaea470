using System.Diagnostics;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Kubernetes.Tests.StandIn;

/// <summary>
/// Runs the real kubectl against a kubeconfig, with its own discovery cache directory (so no
/// run reads another's cached discovery), a time limit, and stdout/stderr captured.
/// </summary>
internal sealed class KubectlRunner(string kubeconfig, string workDir)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        string kubectl = KubectlFactAttribute.KubectlPath ?? throw new InvalidOperationException("kubectl not found: install Debian's kubernetes-client (scripts/rig/up.sh)");
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(Path.Combine(workDir, "kube-cache"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("KUBECONFIG");
        start.Environment["HOME"] = workDir;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within {Limit.TotalSeconds} s; stderr: {await stderr}");
        }
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }
}

internal sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout, after checking kubectl succeeded (else the failure names its stderr).</summary>
    public string Ok()
    {
        Assert.True(ExitCode == 0, $"kubectl exited {ExitCode}: {Stderr}");
        return Stdout;
    }
}
