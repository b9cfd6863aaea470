using System.Diagnostics;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>Runs an engine's own CLI (ctr, podman) to make known state and to have an independent view of it.</summary>
internal static class Cli
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, bool check = true)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("CONTAINER_HOST");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        }
        return await stdout;
    }
}
