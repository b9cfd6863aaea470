using System.Collections.Concurrent;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// The archive's own output failing (a reader that goes away, a full disk), and what a
/// collection to stdout leaves on the host: nothing.
/// </summary>
public sealed class OutputFaultTests
{
    [EngineFact(Engine.Docker)]
    public async Task CollectToAPipeWhoseReaderGoesAway_ExitsFourAndClaimsNothing()
    {
        await using var container = await PlantedContainer.DockerAsync();
        // The archive (a container's process executables alone are megabytes) is far more than a
        // pipe holds: head's exit after 1000 bytes makes cfir's next write fail with EPIPE.
        var psi = CfirProcess.StartInfo(["collect", .. CfirProcess.DockerFlags, "-f", "tar", "-o", "-", container.Name], null,
            wrapper: ["bash", "-c", "\"$@\" | head -c 1000 > /dev/null; exit ${PIPESTATUS[0]}", "pipe"]);
        using var process = RunningProcess.Start(psi);
        var result = await process.WaitAsync(ProcessRunner.HangGuard);

        Assert.True(result.ExitCode == (int)ExitCode.OutputError, result.Describe());
        Assert.Contains("cfir: error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("broken pipe", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("complete", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("archive sha256", result.Stderr, StringComparison.Ordinal); // no hash of bytes that never arrived
        Assert.DoesNotContain(" at ContainerForensics", result.Stderr, StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task CollectToAFullDisk_ExitsFourAndSaysWhereThePartialArchiveIs()
    {
        await using var container = await PlantedContainer.DockerAsync();
        using var dir = new TempDirectory();
        await ProcessRunner.CheckedAsync("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "cfir-test-full", dir.Path);
        try
        {
            string archive = Path.Combine(dir.Path, "case.tar");
            var result = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, "-f", "tar", "-o", archive, container.Name], environment: null);

            Assert.True(result.ExitCode == (int)ExitCode.OutputError, result.Describe());
            string partial = Assert.Single(Directory.GetFiles(dir.Path));
            Assert.StartsWith(".case.tar.partial-", Path.GetFileName(partial), StringComparison.Ordinal);
            Assert.Contains($"kept as {partial}", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("No space left on device", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("archive sha256", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ContainerForensics", result.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(archive));
        }
        finally
        {
            await ProcessRunner.RunAsync("umount", [dir.Path]);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task CollectToStdout_CreatesNothingInTheTemporaryOrWorkingDirectory()
    {
        await using var container = await PlantedContainer.DockerAsync();
        using var tmp = new TempDirectory();
        using var cwd = new TempDirectory();
        var seen = new ConcurrentDictionary<string, bool>();
        var env = new Dictionary<string, string?> { ["TMPDIR"] = tmp.Path };
        using var cfir = RunningProcess.Start(CfirProcess.StartInfo(["collect", .. CfirProcess.DockerFlags, "-o", "-", container.Name], env, cwd.Path));
        int pid = cfir.Pid;
        using var stop = new CancellationTokenSource();
        // Watch both directories for the whole run: a spool or log that lives only while cfir runs counts too.
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(tmp.Path).Concat(Directory.EnumerateFileSystemEntries(cwd.Path)))
                {
                    seen.TryAdd(entry, true);
                }
                await Task.Delay(2);
            }
        });
        await cfir.WaitForStderrAsync("containers selected", ProcessRunner.HangGuard);
        // By now Main has long run: the runtime's diagnostic socket and debugger pipes are unlinked.
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
        var result = await cfir.WaitAsync(ProcessRunner.HangGuard);
        await stop.CancelAsync();
        await watcher;

        Assert.True(result.ExitCode == (int)ExitCode.Complete, result.Describe());
        // Only the runtime's own files, made before Main can run, may have been glimpsed.
        var runtimeOwn = new[] { $"dotnet-diagnostic-{pid}-", $"clr-debug-pipe-{pid}-" };
        Assert.DoesNotContain(seen.Keys, p => !runtimeOwn.Any(r => Path.GetFileName(p).StartsWith(r, StringComparison.Ordinal)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd.Path));

        var verify = await CfirProcess.RunAsync(["verify", "-"], environment: null, stdin: result.Stdout);
        Assert.True(verify.ExitCode == 0, verify.Describe());
    }
}
