using System.Diagnostics;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>Runs the other tools a responder (or the test) uses next to cfir: docker, podman, ctr, tar, sha256sum, kill.</summary>
internal static class ProcessRunner
{
    /// <summary>The hang guard of every process a test starts.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> args, string? workingDirectory = null, byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(fileName);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        using var process = RunningProcess.Start(psi, stdin);
        return await process.WaitAsync(HangGuard);
    }

    /// <summary>Runs and requires exit 0; returns stdout as text, trimmed.</summary>
    public static async Task<string> CheckedAsync(string fileName, params string[] args)
    {
        var result = await RunAsync(fileName, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} failed: {result.Describe()}");
        }
        return result.StdoutText.Trim();
    }
}
