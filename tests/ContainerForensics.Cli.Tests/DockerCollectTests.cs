using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>A responder's collection of one Docker container into a file, checked the way the receiver checks it.</summary>
public sealed class DockerCollectTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Docker)]
    public async Task Collect_OneContainer_ArchiveIsPrivateHashedVerifiableAndHoldsItsInspect()
    {
        await using var container = await PlantedContainer.DockerAsync(label: $"cfir.test={Guid.NewGuid()}");
        using var dir = new TempDirectory();
        string archive = dir["a.tar.gz"];

        var result = await CfirProcess.RunAsync(
            ["collect", container.Name, .. CfirProcess.DockerFlags, "-o", archive, "--case", "CASE-1", "--examiner", "alice", "--json"],
            environment: null);

        await ExplainPartialAsync(result, archive);
        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());

        // The --json summary on stdout, and nothing else there.
        using var summary = JsonDocument.Parse(result.Stdout);
        var s = summary.RootElement;
        Assert.Equal(archive, s.GetProperty("archive").GetString());
        Assert.Equal(ArchiveTools.Sha256Hex(archive), s.GetProperty("sha256").GetString());
        Assert.Equal(new FileInfo(archive).Length, s.GetProperty("bytes").GetInt64());
        Assert.Equal(result.ExitCode, s.GetProperty("exitCode").GetInt32());
        Assert.Equal(result.ExitCode == 0, s.GetProperty("complete").GetBoolean());
        var listed = Assert.Single(s.GetProperty("containers").EnumerateArray());
        Assert.Equal(container.Id, listed.GetProperty("id").GetString());
        Assert.Contains($"cfir: archive sha256 {ArchiveTools.Sha256Hex(archive)}  {archive}", result.Stderr, StringComparison.Ordinal);

        // Evidence is private to its collector, and only the final name is left.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(archive));
        Assert.Equal(["a.tar.gz"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));

        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        Assert.Contains("cfir: verify: OK", verify.Stderr, StringComparison.Ordinal);

        string extracted = Path.Combine(dir.Path, "x");
        await ArchiveTools.ExtractAndCheckSumsAsync(archive, extracted, gzip: true);

        using var acquisition = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(extracted, "acquisition/acquisition.json")));
        Assert.Equal("CASE-1", acquisition.RootElement.GetProperty("case").GetString());
        Assert.Equal("alice", acquisition.RootElement.GetProperty("examiner").GetString());
        Assert.Contains(container.Name, acquisition.RootElement.GetProperty("commandLine").EnumerateArray().Select(a => a.GetString()));

        string containerDir = Path.Combine(extracted, "containers", "docker", "-", $"{container.Name}_{container.Id[..12]}");
        string inspectPath = Path.Combine(containerDir, "metadata", "inspect.json");
        Assert.True(File.Exists(inspectPath), $"no {inspectPath}; members:\n{string.Join('\n', await ArchiveTools.ListAsync(archive))}");
        using var inspect = JsonDocument.Parse(await File.ReadAllBytesAsync(inspectPath));
        Assert.Equal(container.Id, inspect.RootElement.GetProperty("Id").GetString());
        Assert.Equal("/" + container.Name, inspect.RootElement.GetProperty("Name").GetString());

        // The planted line is in the API's stdout log and in the json-file log on disk; stderr is empty.
        string logs = Path.Combine(containerDir, "logs");
        Assert.Contains("hello-evidence", await File.ReadAllTextAsync(Path.Combine(logs, "stdout.log")), StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(Path.Combine(logs, "stderr.log")).Length);
        string jsonLog = Path.Combine(logs, "files", $"{container.Id}-json.log");
        output.WriteLine($"json-file log {jsonLog}");
        Assert.Contains("hello-evidence", await File.ReadAllTextAsync(jsonLog), StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task Collect_ThreeContainersInParallel_EveryVolatileEntryPrecedesAllMetadataAndEachHasItsStats()
    {
        string label = $"cfir.test={Guid.NewGuid()}";
        await using var a = await PlantedContainer.DockerAsync(label: label);
        await using var b = await PlantedContainer.DockerAsync(label: label);
        await using var c = await PlantedContainer.DockerAsync(label: label);
        using var dir = new TempDirectory();
        string archive = dir["p.tar.gz"];

        var result = await CfirProcess.RunAsync(["collect", "--label", label, .. CfirProcess.DockerFlags, "-o", archive, "--parallel", "3"], environment: null);

        await ExplainPartialAsync(result, archive);
        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());

        var paths = (await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl")).Select(e => e.GetProperty("path").GetString()!).ToList();
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        // stats.json is deferred evidence: asked when the volatile phase starts, written when dockerd's next stats pass answers.
        int lastVolatile = paths.FindLastIndex(p => p.StartsWith("containers/", StringComparison.Ordinal) && p.Contains("/volatile/", StringComparison.Ordinal) && !p.EndsWith("/volatile/stats.json", StringComparison.Ordinal));
        int firstEngine = paths.FindIndex(p => p.StartsWith("runtimes/docker/metadata/", StringComparison.Ordinal));
        int firstMetadata = paths.FindIndex(p => p.StartsWith("containers/", StringComparison.Ordinal) && p.Contains("/metadata/", StringComparison.Ordinal));
        Assert.True(lastVolatile < firstEngine && firstEngine < firstMetadata, $"volatile ends at {lastVolatile}, engine starts at {firstEngine}, metadata at {firstMetadata}");
        foreach (var planted in new[] { a, b, c })
        {
            string root = $"containers/docker/-/{planted.Name}_{planted.Id[..12]}/";
            // stats.json and changes.json are deferred (written when dockerd answers): in the archive all the same, before the seal.
            foreach (string name in new[] { "volatile/top.json", "volatile/stats.json", "volatile/processes.json", "metadata/inspect.json", "metadata/changes.json", "logs/stdout.log" })
            {
                var entry = Assert.Single(manifest, e => e.GetProperty("path").GetString() == root + name);
                Assert.Equal("collected", entry.GetProperty("status").GetString());
            }
        }
        var df = Assert.Single(manifest, e => e.GetProperty("path").GetString() == "runtimes/docker/metadata/df.json");
        Assert.Equal("collected", df.GetProperty("status").GetString());
    }

    /// <summary>Exit 1 is acceptable only with its reasons in the archive: print them, and require each to say something.</summary>
    private async Task ExplainPartialAsync(ProcessResult result, string archive)
    {
        if (result.ExitCode != (int)ExitCode.Partial)
        {
            return;
        }
        var errors = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/errors.jsonl");
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        var notCollected = manifest.Where(e => e.GetProperty("status").GetString() != "collected").ToList();
        var report = new StringBuilder("collection was partial:\n");
        foreach (var e in errors)
        {
            report.AppendLine($"  error: {e}");
        }
        foreach (var e in notCollected)
        {
            report.AppendLine($"  entry: {e.GetProperty("path")} {e.GetProperty("status")}: {(e.TryGetProperty("reason", out var r) ? r.ToString() : "")}");
        }
        output.WriteLine(report.ToString());
        Assert.True(errors.Count + notCollected.Count > 0, "exit 1 (partial) but neither errors.jsonl nor the manifest says why");
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("message").GetString())));
        Assert.All(notCollected, e => Assert.True(e.TryGetProperty("reason", out var r) && r.GetString() is { Length: > 0 }, $"no reason: {e}"));
    }

    [EngineFact(Engine.Docker)]
    public async Task Collect_OutputAlreadyExists_ExitsFourAndLeavesTheFileAlone()
    {
        using var dir = new TempDirectory();
        string existing = dir["evidence.tar.gz"];
        await File.WriteAllTextAsync(existing, "earlier evidence, not to be touched\n");
        var before = (Hash: ArchiveTools.Sha256Hex(existing), Written: File.GetLastWriteTimeUtc(existing));

        var result = await CfirProcess.RunAsync(
            ["collect", .. CfirProcess.DockerFlags, "--label", $"cfir.test={Guid.NewGuid()}", "-o", existing], environment: null);

        Assert.True(result.ExitCode == (int)ExitCode.OutputError, result.Describe());
        Assert.Empty(result.Stdout);
        Assert.Contains("already exists", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, (ArchiveTools.Sha256Hex(existing), File.GetLastWriteTimeUtc(existing)));
        Assert.Equal(["evidence.tar.gz"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName)); // no .partial left
    }
}
