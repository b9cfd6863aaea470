using System.Globalization;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// Two levels down, for real: a Docker-in-Docker running inside a Docker-in-Docker (the DinD
/// image loaded into the outer one's dockerd and run there with the same flags), with a busybox
/// container in the inner one. With the default <c>--nested-depth 2</c> cfir finds the inner
/// dockerd through the outer's, lists and collects the innermost container under both, its pids
/// translated through both pid namespaces and its files read inside the inner DinD; with
/// <c>--nested-depth 1</c> it stops at the outer one and records that it did.
/// </summary>
public sealed class NestedDepthTests(NestedDepthTests.TwoLevels fixture) : IClassFixture<NestedDepthTests.TwoLevels>
{
    [EngineFact(Engine.Docker)]
    public async Task DepthTwo_ListJson_ShowsTheInnermostContainerWithItsChainOfTwo()
    {
        var (outer, inner, leaf) = await fixture.GetAsync();

        var result = await CfirProcess.RunAsync(["list", "--json", .. CfirProcess.DockerFlags], environment: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        using var doc = JsonDocument.Parse(result.Stdout);
        var deepest = Assert.Single(doc.RootElement.EnumerateArray(), r => r.GetProperty("answered").GetBoolean() && Chain(r).Count == 2 && Chain(r)[0].GetProperty("containerId").GetString() == outer.Id);
        Assert.Equal("docker", deepest.GetProperty("runtime").GetString());
        Assert.Equal($"unix://{inner.RootPath}/var/run/docker.sock", deepest.GetProperty("endpoint").GetString());
        AssertChain(Chain(deepest), outer, inner);
        var listed = Assert.Single(deepest.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == leaf.Id);
        Assert.Equal(leaf.Name, listed.GetProperty("name").GetString());
        AssertChain(listed.GetProperty("nestedIn").EnumerateArray().ToList(), outer, inner);
        // The second descent: into the inner DinD, from the dockerd nested in the outer one.
        var middle = Assert.Single(doc.RootElement.EnumerateArray(), r => r.GetProperty("answered").GetBoolean() && Chain(r).Count == 1 && Chain(r)[0].GetProperty("containerId").GetString() == outer.Id);
        var lookedInto = Assert.Single(middle.GetProperty("descent").GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == inner.Id);
        Assert.Equal(inner.HostPid, lookedInto.GetProperty("hostPid").GetInt32());
        Assert.Contains(lookedInto.GetProperty("sockets").EnumerateArray(), s => s.GetProperty("nested").GetBoolean());
    }

    [EngineFact(Engine.Docker)]
    public async Task DepthTwo_Collect_TakesTheInnermostContainerIntoBothFolders_ItsProcessThroughBothPidNamespaces()
    {
        var (outer, inner, leaf) = await fixture.GetAsync();
        using var dir = new TempDirectory();
        string archive = dir["deep.tar"];

        var result = await CfirProcess.RunAsync(["collect", $"{outer.Name}/{inner.Name}/{leaf.Name}", .. CfirProcess.DockerFlags, "-f", "tar", "-o", archive], environment: null);

        await NestedCollectTests.NothingOfFailedAsync(result, archive, outer.Id);
        string folder = $"containers/docker/-/{outer.Name}_{outer.Id[..12]}/nested/docker/-/{inner.Name}_{inner.Id[..12]}/nested/docker/-/{leaf.Name}_{leaf.Id[..12]}/";
        var members = await ArchiveTools.ListAsync(archive);
        Assert.All(members.Where(m => m.StartsWith("containers/", StringComparison.Ordinal)), m => Assert.StartsWith(folder, m, StringComparison.Ordinal));
        Assert.Contains(folder + "metadata/inspect.json", members);

        // Its init as cfir read it: the host pid, through the outer DinD's pid namespace and the
        // inner one's (which reported it), down to its own, where it is 1; running the leaf's unique command.
        var levels = NestedProcesses.NamespacePids(leaf.HostPid)!;
        Assert.True(levels.Count >= 4, string.Join(' ', levels));
        Assert.Equal([leaf.InnerPid, 1], levels.Skip(levels.Count - 2));
        string pid = leaf.HostPid.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(leaf.Cmdline, await ArchiveTools.ReadMemberAsync(archive, folder + $"volatile/processes/{pid}/cmdline"));
        var capture = await ArchiveTools.ReadJsonMemberAsync(archive, folder + "volatile/capture.json");
        Assert.Equal(leaf.HostPid, capture.GetProperty("initPid").GetInt32());
        Assert.Equal(leaf.InnerPid, capture.GetProperty("runtimeInitPid").GetInt32());
        Assert.Contains($"is host pid {pid} (NSpid", capture.GetProperty("pidTranslation").GetString(), StringComparison.Ordinal);

        // Every record carries the chain of two; its log and writable layer were read inside the inner DinD.
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        var inspect = Assert.Single(manifest, e => e.GetProperty("path").GetString() == folder + "metadata/inspect.json");
        AssertChain(inspect.GetProperty("source").GetProperty("nestedIn").EnumerateArray().ToList(), outer, inner);
        string where = $"in docker/{inner.Name} in docker/{outer.Name} via {inner.RootPath}";
        var log = Assert.Single(manifest, e => e.GetProperty("path").GetString() == folder + $"logs/files/{leaf.Id}-json.log");
        Assert.Equal("collected", log.GetProperty("status").GetString());
        Assert.Contains($"-json.log {where}: LogPath", log.GetProperty("source").GetProperty("description").GetString(), StringComparison.Ordinal);
        var planted = Assert.Single(manifest, e => e.GetProperty("path").GetString() == folder + "filesystem/changed/cfir-planted");
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(leaf.PlantedContent)), planted.GetProperty("sha256").GetString());
        var source = await ArchiveTools.ReadJsonMemberAsync(archive, folder + "metadata/filesystem-source.json");
        Assert.Equal("overlay upperdir", source.GetProperty("source").GetString());
        Assert.EndsWith("/diff", source.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(inner.RootPath + "/.", source.GetProperty("readBeneath").GetString());
        Assert.StartsWith($"overlay upperdir {source.GetProperty("path").GetString()} {where}", planted.GetProperty("source").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task NestedDepthOne_StopsAtTheOuterDind_AndRecordsThatItDid()
    {
        var (outer, inner, _) = await fixture.GetAsync();
        using var dir = new TempDirectory();
        string archive = dir["one.tar"];

        var list = await CfirProcess.RunAsync(["list", "--json", "--nested-depth", "1", .. CfirProcess.DockerFlags], environment: null);

        Assert.True(list.ExitCode == 0, list.Describe());
        using (var doc = JsonDocument.Parse(list.Stdout))
        {
            var runtimes = doc.RootElement.EnumerateArray().ToList();
            Assert.DoesNotContain(runtimes, r => Chain(r).Count == 2);
            var middle = Assert.Single(runtimes, r => r.GetProperty("answered").GetBoolean() && Chain(r).Count == 1 && Chain(r)[0].GetProperty("containerId").GetString() == outer.Id);
            Assert.Contains(middle.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == inner.Id);
            Assert.Equal("not looked inside: --nested-depth 1 reached", middle.GetProperty("descent").GetProperty("notDescended").GetString());
            Assert.Empty(middle.GetProperty("descent").GetProperty("containers").EnumerateArray());
        }

        var result = await CfirProcess.RunAsync(["collect", outer.Name, "--nested-depth", "1", .. CfirProcess.DockerFlags, "--filesystem", "none", "-f", "tar", "-o", archive], environment: null);

        await NestedCollectTests.NothingOfFailedAsync(result, archive, outer.Id);
        var members = await ArchiveTools.ListAsync(archive);
        string innerFolder = $"containers/docker/-/{outer.Name}_{outer.Id[..12]}/nested/docker/-/{inner.Name}_{inner.Id[..12]}/";
        Assert.Contains(innerFolder + "metadata/inspect.json", members);
        Assert.DoesNotContain(members, m => m.StartsWith(innerFolder + "nested/", StringComparison.Ordinal));
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        Assert.Equal(1, acquisition.GetProperty("nested").GetProperty("depth").GetInt32());
        Assert.Contains(acquisition.GetProperty("nested").GetProperty("descents").EnumerateArray(), d =>
            d.TryGetProperty("nestedIn", out var chain) && chain.ValueKind == JsonValueKind.Array && chain.GetArrayLength() == 1 && chain[0].GetProperty("containerId").GetString() == outer.Id
            && d.GetProperty("notDescended").GetString() == "not looked inside: --nested-depth 1 reached");
    }

    private static List<JsonElement> Chain(JsonElement runtime) =>
        runtime.TryGetProperty("nestedIn", out var chain) && chain.ValueKind == JsonValueKind.Array ? chain.EnumerateArray().ToList() : [];

    /// <summary>Outermost first: the outer DinD (a container of the rig's dockerd), then the inner one (a container of the outer's).</summary>
    private static void AssertChain(List<JsonElement> chain, DockerInDocker outer, DockerInDocker inner)
    {
        Assert.Equal(2, chain.Count);
        Assert.Equal(outer.Id, chain[0].GetProperty("containerId").GetString());
        Assert.Equal(outer.Name, chain[0].GetProperty("containerName").GetString());
        Assert.Equal(outer.HostPid, chain[0].GetProperty("hostPid").GetInt32());
        Assert.Equal(inner.Id, chain[1].GetProperty("containerId").GetString());
        Assert.Equal(inner.Name, chain[1].GetProperty("containerName").GetString());
        Assert.Equal(inner.HostPid, chain[1].GetProperty("hostPid").GetInt32());
        Assert.Equal($"unix://{outer.RootPath}/var/run/docker.sock", chain[1].GetProperty("endpoint").GetString());
    }

    /// <summary>The outer DinD, the inner DinD in it and one busybox container in the inner one; started on first use, removed together.</summary>
    public sealed class TwoLevels : IAsyncLifetime
    {
        private readonly Lazy<Task<(DockerInDocker, DockerInDocker, NestedContainer)>> _levels = new(StartAsync);

        public Task<(DockerInDocker Outer, DockerInDocker Inner, NestedContainer Leaf)> GetAsync() => _levels.Value;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_levels.IsValueCreated && _levels.Value.IsCompletedSuccessfully)
            {
                // The outer one's removal kills the inner one and its container with it.
                await _levels.Value.Result.Item1.DisposeAsync();
            }
        }

        private static async Task<(DockerInDocker, DockerInDocker, NestedContainer)> StartAsync()
        {
            var outer = await DockerInDocker.StartAsync();
            try
            {
                var inner = await outer.StartInsideAsync();
                return (outer, inner, Assert.Single(await inner.RunContainersAsync(1)));
            }
            catch
            {
                await outer.DisposeAsync();
                throw;
            }
        }
    }
}
