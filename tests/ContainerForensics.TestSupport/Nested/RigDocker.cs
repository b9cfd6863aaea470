using System.Diagnostics;

namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// The docker CLI against the rig's dockerd, for the nested rig: starts and removes node
/// containers, and runs the node's own tools inside them (<c>docker exec NODE ctr ...</c>, as kind's
/// users run crictl). Every command is under a hang guard; a non-zero exit throws with stderr.
/// </summary>
internal static class RigDocker
{
    /// <summary>Generous: an image import or a daemon start takes a second or two on the rig.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Debian's CLI first: it matches the daemon (as in scripts/rig/up.sh).</summary>
    private static readonly string Cli = new[] { "/usr/bin/docker", "/usr/local/bin/docker" }.FirstOrDefault(File.Exists) ?? "docker";

    public static string Endpoint => RigEnvironment.DockerHost
        ?? throw new InvalidOperationException("Docker endpoint not set: run scripts/rig/up.sh");

    public static async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var (exit, stdout, stderr) = await TryRunAsync(args, cancellationToken);
        return exit == 0 ? stdout : throw new InvalidOperationException($"docker {string.Join(' ', args)} exited {exit}: {stderr}");
    }

    /// <summary>Runs docker; returns its exit code and trimmed output instead of throwing on a non-zero exit.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        using var process = Start(args, redirectInput: false);
        using var guard = Guard(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
        var stderr = process.StandardError.ReadToEndAsync(guard.Token);
        await WaitAsync(process, args, guard.Token);
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary><c>docker FROM... | docker TO...</c> without a shell: <c>docker save IMG | docker exec -i NODE ctr images import -</c>.</summary>
    public static async Task PipeAsync(IReadOnlyList<string> from, IReadOnlyList<string> to, CancellationToken cancellationToken = default)
    {
        using var source = Start(from, redirectInput: false);
        using var target = Start(to, redirectInput: true);
        using var guard = Guard(cancellationToken);
        var sourceErrors = source.StandardError.ReadToEndAsync(guard.Token);
        var targetOutput = target.StandardOutput.ReadToEndAsync(guard.Token);
        var targetErrors = target.StandardError.ReadToEndAsync(guard.Token);
        try
        {
            await source.StandardOutput.BaseStream.CopyToAsync(target.StandardInput.BaseStream, guard.Token);
        }
        finally
        {
            target.StandardInput.Close();
        }
        await WaitAsync(source, from, guard.Token);
        await WaitAsync(target, to, guard.Token);
        await targetOutput;
        if (source.ExitCode != 0 || target.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', from)} (exit {source.ExitCode}: {(await sourceErrors).Trim()}) | " +
                                                $"docker {string.Join(' ', to)} (exit {target.ExitCode}: {(await targetErrors).Trim()})");
        }
    }

    private static Process Start(IReadOnlyList<string> args, bool redirectInput)
    {
        var psi = new ProcessStartInfo(Cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--host");
        psi.ArgumentList.Add(Endpoint);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("DOCKER_CONTEXT");
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {Cli}");
    }

    private static CancellationTokenSource Guard(CancellationToken cancellationToken)
    {
        var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(CommandTimeout);
        return guard;
    }

    private static async Task WaitAsync(Process process, IReadOnlyList<string> args, CancellationToken guard)
    {
        try
        {
            await process.WaitForExitAsync(guard);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish within {CommandTimeout} (or was cancelled)");
        }
    }
}
