using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// SIGTERM in the middle of a collection of everything: cfir stops, closes the archive under its
/// final name, seals it interrupted, and exits 130.
/// <para>
/// Deterministic by construction: next to the real engines cfir is given, with --docker-host,
/// a Docker endpoint (<see cref="StallingDockerEndpoint"/>) that answers discovery and listing
/// but never answers a per-container call. The signal is sent once that call is hanging, so
/// the collection is mid-run whatever the speed of the host; without the signal the run could
/// only end by its --timeout.
/// </para>
/// </summary>
public sealed class InterruptionTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Docker)]
    public async Task Sigterm_MidCollection_Exits130WithAVerifiableArchiveSealedInterrupted()
    {
        await using var stalling = new StallingDockerEndpoint();
        using var dir = new TempDirectory();
        string archive = dir["i.tar"];
        using var cfir = CfirProcess.Start(["collect", "--docker-host", stalling.Endpoint, "--timeout", "100", "-o", archive, "--format", "tar"]);

        string stalledOn = await stalling.Stalled.WaitAsync(ProcessRunner.HangGuard);
        await cfir.WaitForStderrAsync("phase: ", ProcessRunner.HangGuard); // the walk over the phases has begun
        Assert.False(File.Exists(archive), "the archive has its final name before it is sealed");
        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", cfir.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(kill.ExitCode == 0, kill.Describe());
        var result = await cfir.WaitAsync(ProcessRunner.HangGuard);
        output.WriteLine($"SIGTERM sent while `{stalledOn}` hung; cfir's stderr:\n{result.Stderr}");

        Assert.True(result.ExitCode == (int)ExitCode.Interrupted, $"stalled on {stalledOn}; {result.Describe()}");
        Assert.Empty(result.Stdout);
        Assert.Contains("interrupted", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["i.tar"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName)); // final name, no .partial left
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(archive));

        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        Assert.Contains("collection partial", verify.Stderr, StringComparison.Ordinal);

        var seal = await ArchiveTools.ReadJsonMemberAsync(archive, "SEAL.json");
        Assert.True(seal.GetProperty("interrupted").GetBoolean(), seal.ToString());
        Assert.False(seal.GetProperty("complete").GetBoolean(), seal.ToString());
        Assert.Contains("SIGTERM", seal.GetProperty("interruption").GetString(), StringComparison.Ordinal);
        var errors = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/errors.jsonl");
        Assert.Contains(errors, e => e.GetProperty("scope").GetString() == "run");

        // A real collection was under way: the rig's Docker answered and is in the record.
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        Assert.Contains(acquisition.GetProperty("runtimes").EnumerateArray(), p =>
            p.GetProperty("name").GetString() == "docker" && p.GetProperty("answered").GetBoolean() &&
            p.GetProperty("endpoint").GetString() != stalling.Endpoint);
    }

    [EngineFact(Engine.Docker)]
    public async Task SecondSigint_EndsCfirAtOnceAndLeavesNothingButThePartialArchive()
    {
        await using var stalling = new StallingDockerEndpoint();
        using var dir = new TempDirectory();
        using var tmp = new TempDirectory();
        string archive = dir["i.tar"];
        using var cfir = RunningProcess.Start(CfirProcess.StartInfo(
            ["collect", "--docker-host", stalling.Endpoint, "--timeout", "100", "-o", archive, "--format", "tar"],
            new Dictionary<string, string?> { ["TMPDIR"] = tmp.Path }));

        await stalling.Stalled.WaitAsync(ProcessRunner.HangGuard);
        await cfir.WaitForStderrAsync("phase: ", ProcessRunner.HangGuard);
        // Two signals back to back: the second ends cfir while it would close the archive.
        string pid = cfir.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ProcessRunner.RunAsync("sh", ["-c", $"kill -INT {pid}; kill -INT {pid}"]);
        var result = await cfir.WaitAsync(ProcessRunner.HangGuard);
        output.WriteLine(result.Stderr);

        // Spools without a name and the log in memory: nothing of cfir's, or of its runtime, stays behind.
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Path));
        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);
        // The partial archive (evidence is never deleted), or the sealed one if the first signal's
        // closing won the race; nothing else.
        string left = Assert.Single(Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName))!;
        Assert.True(left.StartsWith(".i.tar.partial-", StringComparison.Ordinal) || left == "i.tar", left);
    }
}
