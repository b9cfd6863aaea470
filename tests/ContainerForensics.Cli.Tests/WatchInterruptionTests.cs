using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// SIGINT in the middle of a watch's collection: no new trigger is taken, the archive under way is
/// sealed (interrupted, so partial), the index gets its line and its closing line, and cfir exits
/// 130 leaving only sealed archives. Deterministic: the container's daemon is a
/// <see cref="StallingDockerEndpoint"/> that sends one start event and then never answers the
/// collection's first call, so the signal arrives while the archive is open however fast the host.
/// </summary>
[Collection(WatchAlone.Name)]
public sealed class WatchInterruptionTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Docker)]
    public async Task Sigint_MidCollection_LeavesOnlySealedArchives_AndAClosedIndex_Exit130()
    {
        await using var stalling = new StallingDockerEndpoint(followable: true);
        using var dir = new TempDirectory();
        string directory = dir["w"];
        using var watch = await WatchProcess.StartAsync(directory, ["--runtime", "docker", "--docker-host", stalling.Endpoint, "--timeout", "100",
            StallingDockerEndpoint.ContainerName]);
        string stalledOn = await stalling.Stalled.WaitAsync(ProcessRunner.HangGuard);
        Assert.Contains(Directory.EnumerateFiles(directory), f => Path.GetFileName(f).StartsWith('.')); // the archive is open, under its temporary name
        var result = await watch.InterruptAsync();
        output.WriteLine($"SIGINT while `{stalledOn}` hung; stderr:\n{result.Stderr}");

        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);
        var files = Directory.EnumerateFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        string archive = Assert.Single(files, f => f!.EndsWith(".tar.gz", StringComparison.Ordinal))!;
        Assert.Equal([archive, "index.jsonl"], files);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, archive)));

        using (var input = File.OpenRead(Path.Combine(directory, archive)))
        {
            var report = ArchiveVerifier.Verify(input);
            Assert.True(report.Ok, string.Join("; ", report.Problems.Select(p => p.Detail)));
            Assert.False(report.CollectionComplete);
        }
        var line = Assert.Single(watch.Triggers());
        Assert.Equal("collected", line.GetProperty("outcome").GetString());
        Assert.Equal(archive, line.GetProperty("archive").GetString());
        Assert.True(line.GetProperty("interrupted").GetBoolean());
        Assert.Equal("partial", line.GetProperty("status").GetString());
        var end = watch.Index()[^1];
        Assert.Equal("watch-ended", end.GetProperty("type").GetString());
        Assert.Equal("interrupted by SIGINT", end.GetProperty("reason").GetString());
    }
}
