using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// Runtimes that do not answer. cfir always also tries the well-known sockets
/// (/var/run/docker.sock, /run/podman/podman.sock, /run/containerd/containerd.sock), whatever
/// the flags say, so on the rig "no runtime at all" is only reachable in a mount namespace
/// where /run is an empty tmpfs; on the plain host, a dead endpoint named on the command line
/// must still be recorded in the archive.
/// </summary>
public sealed class RuntimeAbsenceTests
{
    /// <summary>unshare(1) with a private mount namespace in which /run (and /var/run) are empty: no socket exists.</summary>
    private static readonly string[] EmptyRun =
    [
        "unshare", "--mount", "--propagation", "private", "sh", "-c",
        "mount -t tmpfs cfir-test-empty-run /run && { [ -L /var/run ] || mount -t tmpfs cfir-test-empty-run /var/run; } && exec \"$@\"",
        "sh",
    ];

    [RootFact]
    public async Task Collect_NoRuntimeAnswers_ExitsThreeNamingEveryEndpointAndWritesNothing()
    {
        using var dir = new TempDirectory();
        string dead = dir["nonexistent.sock"];

        var result = await CfirProcess.RunAsync(
            ["collect", "-o", dir["n.tar.gz"], "--docker-host", "unix://" + dead, "--containerd-address", dead],
            environment: null, workingDirectory: dir.Path, wrapper: EmptyRun);

        Assert.True(result.ExitCode == (int)ExitCode.NoRuntime, result.Describe());
        Assert.Empty(result.Stdout);
        Assert.Contains("no container runtime answered", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"docker at unix://{dead}: --docker-host: no socket at {dead}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"containerd at {dead}: --containerd-address: no socket at {dead}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no socket at /var/run/docker.sock", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no socket at /run/podman/podman.sock", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // no archive, no .partial file
    }

    [RootFact]
    public async Task ListJson_NoRuntimeAnswers_ExitsThreeAndSaysWhyForEachCandidate()
    {
        var result = await CfirProcess.RunAsync(["list", "--json"], environment: null, wrapper: EmptyRun);

        Assert.True(result.ExitCode == (int)ExitCode.NoRuntime, result.Describe());
        using var doc = JsonDocument.Parse(result.Stdout);
        var probes = doc.RootElement.EnumerateArray().ToList();
        // Kubernetes is listed too, as not probed: auto tries it only when one of its options is given.
        Assert.Equal(["containerd", "docker", "kubernetes", "podman"], probes.Select(p => p.GetProperty("runtime").GetString()).Distinct().Order());
        Assert.All(probes, p =>
        {
            Assert.False(p.GetProperty("answered").GetBoolean());
            Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("reason").GetString()));
        });
    }

    /// <summary>
    /// --docker-host names a socket that does not exist. The default socket still answers (the
    /// explicit endpoint is not exclusive), so the collection goes on; but the endpoint the
    /// responder named did not answer, so the run is partial, errors.jsonl says why, stderr
    /// warns, and the acquisition record lists both endpoints.
    /// </summary>
    [EngineFact(Engine.Docker)]
    public async Task Collect_DeadDockerHost_MakesTheRunPartialAndIsRecorded()
    {
        using var dir = new TempDirectory();
        string dead = "unix://" + dir["nonexistent.sock"];
        string archive = dir["a.tar"];

        var result = await CfirProcess.RunAsync(
            ["collect", "--runtime", "docker", "--docker-host", dead, "--label", $"cfir.test={Guid.NewGuid()}", "-o", archive, "-f", "tar"],
            environment: null);

        await AssertDeadEndpointRecordedAsync(result, archive, "docker", dead, "--docker-host: no socket at");
    }

    [EngineFact(Engine.Containerd)]
    public async Task Collect_DeadContainerdAddress_MakesTheRunPartialAndIsRecorded()
    {
        using var dir = new TempDirectory();
        string dead = dir["nonexistent.sock"];
        string archive = dir["a.tar"];

        var result = await CfirProcess.RunAsync(
            ["collect", "--runtime", "containerd", "--containerd-address", dead, "--label", $"cfir.test={Guid.NewGuid()}", "-o", archive, "-f", "tar"],
            environment: null);

        await AssertDeadEndpointRecordedAsync(result, archive, "containerd", dead, "--containerd-address: no socket at");
    }

    private static async Task AssertDeadEndpointRecordedAsync(ProcessResult result, string archive, string runtime, string endpoint, string reason)
    {
        Assert.True(result.ExitCode == (int)ExitCode.Partial, result.Describe());
        Assert.Contains("requested endpoint", result.Stderr, StringComparison.Ordinal);
        // A partial run names its first failures and where the rest are, not only "N failure(s)".
        string lastWords = result.Stderr[result.Stderr.IndexOf("cfir: archive ", StringComparison.Ordinal)..];
        Assert.Contains("what was not collected whole, first 1:", lastWords, StringComparison.Ordinal);
        Assert.Contains($"cfir:   discovery: the requested endpoint {endpoint} did not answer", lastWords, StringComparison.Ordinal);
        Assert.Contains("manifest/errors.jsonl", lastWords, StringComparison.Ordinal);
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());

        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        var probes = acquisition.GetProperty("runtimes").EnumerateArray().ToList();
        var deadProbe = Assert.Single(probes, p => p.GetProperty("endpoint").GetString() == endpoint);
        Assert.Equal(runtime, deadProbe.GetProperty("name").GetString());
        Assert.False(deadProbe.GetProperty("answered").GetBoolean());
        Assert.Contains(reason, deadProbe.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // What was collected instead came from the rig's own endpoint, and the record says so.
        Assert.Contains(probes, p => p.GetProperty("name").GetString() == runtime && p.GetProperty("answered").GetBoolean());

        var log = await ArchiveTools.ReadJsonLinesAsync(archive, "acquisition/log.jsonl");
        var finished = Assert.Single(log, l => l.GetProperty("RenderedMessage").GetString()!.StartsWith("collection finished", StringComparison.Ordinal));
        Assert.Matches(@"^collection finished: \d+ container\(s\), \d+ failure\(s\)$", finished.GetProperty("RenderedMessage").GetString());

        var errors = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/errors.jsonl");
        Assert.Contains(errors, e => e.GetProperty("scope").GetString() == "discovery" &&
            (e.GetProperty("message").GetString() ?? "").Contains(endpoint, StringComparison.Ordinal));
    }
}
