using System.Globalization;
using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// cfir against a kind-like node of the nested rig (a Docker container whose init is containerd,
/// with containers and a CRI pod of its own), discovered by looking inside the node, as a
/// responder would meet it: <c>cfir list</c> shows the node's containerd under the node, and
/// <c>cfir collect</c> takes a nested container by NODE/CONTAINER, or everything in the node by
/// the node's name, into the node's folder, volatile evidence of every level first.
/// </summary>
public sealed class NestedCollectTests(NestedCollectTests.Node fixture) : IClassFixture<NestedCollectTests.Node>
{
    [EngineFact(Engine.Docker)]
    public async Task ListJson_ShowsTheNodesContainerdWithItsChainAndItsContainers()
    {
        var (node, planted, pod) = await fixture.GetAsync();

        var result = await CfirProcess.RunAsync(["list", "--json", .. CfirProcess.DockerFlags], environment: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        using var doc = JsonDocument.Parse(result.Stdout);
        var runtimes = doc.RootElement.EnumerateArray().ToList();
        var nested = Assert.Single(runtimes, r => r.GetProperty("runtime").GetString() == "containerd"
            && r.TryGetProperty("nestedIn", out var chain) && chain.ValueKind == JsonValueKind.Array && chain[0].GetProperty("containerName").GetString() == node.Name);
        Assert.True(nested.GetProperty("answered").GetBoolean());
        Assert.Equal($"{node.RootPath}/run/containerd/containerd.sock", nested.GetProperty("endpoint").GetString());
        var link = Assert.Single(nested.GetProperty("nestedIn").EnumerateArray());
        Assert.Equal(node.Id, link.GetProperty("containerId").GetString());
        Assert.Equal(node.HostPid, link.GetProperty("hostPid").GetInt32());
        var containers = nested.GetProperty("containers").EnumerateArray().ToList();
        foreach (var c in planted.Append(pod.Container))
        {
            var listed = Assert.Single(containers, l => l.GetProperty("id").GetString() == c.Id);
            Assert.Equal(node.Id, listed.GetProperty("nestedIn")[0].GetProperty("containerId").GetString());
        }
        Assert.Contains(containers, l => l.GetProperty("pod").GetString() == $"{pod.Namespace}/{pod.Name}");

        // The host Docker's descent says what was looked for inside the node and what answered.
        var docker = Assert.Single(runtimes, r => r.GetProperty("runtime").GetString() == "docker" && r.GetProperty("answered").GetBoolean() && r.GetProperty("nestedIn").ValueKind == JsonValueKind.Null);
        var inNode = Assert.Single(docker.GetProperty("descent").GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == node.Id);
        Assert.Equal(node.HostPid, inNode.GetProperty("hostPid").GetInt32());
        var socket = Assert.Single(inNode.GetProperty("sockets").EnumerateArray(), s => s.GetProperty("lookedForBy").GetString() == "containerd");
        Assert.True(socket.GetProperty("nested").GetBoolean(), socket.ToString());
        Assert.Equal("nested", socket.GetProperty("locality").GetString());
    }

    [EngineFact(Engine.Docker)]
    public async Task List_ForPeople_ShowsTheNestedContainerdUnderTheNode()
    {
        var (node, planted, _) = await fixture.GetAsync();

        var result = await CfirProcess.RunAsync(["list", .. CfirProcess.DockerFlags], environment: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        var lines = result.Stderr.Split('\n');
        int heading = Array.FindIndex(lines, l => l.StartsWith($"  containerd in docker/{node.Name} at {node.RootPath}/run/containerd/containerd.sock: version ", StringComparison.Ordinal));
        Assert.True(heading > 0, result.Stderr);
        // Below the host Docker's own containers, one step further in.
        Assert.True(Array.FindIndex(lines, l => l.Contains(node.Id[..12], StringComparison.Ordinal)) < heading);
        foreach (var c in planted)
        {
            Assert.Contains(lines.Skip(heading), l => l.StartsWith("    ", StringComparison.Ordinal) && l.Contains(c.Id, StringComparison.Ordinal));
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Collect_NodeSlashContainer_TakesThatNestedContainerIntoTheNodesFolder()
    {
        var (node, planted, _) = await fixture.GetAsync();
        var target = planted[0];
        using var dir = new TempDirectory();
        string archive = dir["n.tar"];

        var result = await CfirProcess.RunAsync(["collect", $"{node.Name}/{target.Id}", .. CfirProcess.DockerFlags, "-f", "tar", "-o", archive], environment: null);

        await NothingOfFailedAsync(result, archive, node.Id);
        var members = await ArchiveTools.ListAsync(archive);
        string folder = $"containers/docker/-/{node.Name}_{node.Id[..12]}/nested/containerd/default/{target.Id}/";
        Assert.Contains(folder + "metadata/spec.json", members);
        // Only that one: neither the node itself nor its other containers.
        Assert.All(members.Where(m => m.StartsWith("containers/", StringComparison.Ordinal)), m => Assert.StartsWith(folder, m, StringComparison.Ordinal));
        Assert.Contains(members, m => m.StartsWith($"runtimes/containerd-in-docker-{node.Name}_{node.Id[..12]}/", StringComparison.Ordinal));

        // The right process: the host pid NSpid gives, running the container's own unique command.
        var processes = await ArchiveTools.ReadJsonMemberAsync(archive, folder + "volatile/processes.json");
        Assert.Contains(processes.GetProperty("processes").EnumerateArray(), p =>
            p.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).SequenceEqual(target.Command));
        string cmdline = folder + $"volatile/processes/{target.HostPid.ToString(CultureInfo.InvariantCulture)}/cmdline";
        Assert.Equal(target.Cmdline, await ArchiveTools.ReadMemberAsync(archive, cmdline));

        // Its records carry the chain; the acquisition record, the descent.
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        var spec = Assert.Single(manifest, e => e.GetProperty("path").GetString() == folder + "metadata/spec.json");
        Assert.Equal(node.Id, spec.GetProperty("source").GetProperty("nestedIn")[0].GetProperty("containerId").GetString());
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        Assert.Equal(2, acquisition.GetProperty("nested").GetProperty("depth").GetInt32());
        Assert.Contains(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.TryGetProperty("nestedIn", out var chain) && chain[0].GetProperty("containerId").GetString() == node.Id);
    }

    [EngineFact(Engine.Docker)]
    public async Task Collect_TheNodeByName_TakesEverythingNestedInIt_VolatileOfEveryLevelBeforeAnyMetadata()
    {
        var (node, planted, pod) = await fixture.GetAsync();
        using var dir = new TempDirectory();
        string archive = dir["node.tar"];

        var result = await CfirProcess.RunAsync(["collect", node.Name, .. CfirProcess.DockerFlags, "--filesystem", "none", "-f", "tar", "-o", archive], environment: null);

        await NothingOfFailedAsync(result, archive, node.Id);
        var members = await ArchiveTools.ListAsync(archive);
        string nodeFolder = $"containers/docker/-/{node.Name}_{node.Id[..12]}/";
        Assert.Contains(nodeFolder + "metadata/inspect.json", members);
        foreach (var c in planted)
        {
            Assert.Contains(members, m => m.StartsWith($"{nodeFolder}nested/containerd/default/{c.Id}/volatile/", StringComparison.Ordinal));
        }
        string podFolder = $"{nodeFolder}nested/containerd/k8s.io/pods/{pod.Namespace}_{pod.Name}_{pod.Uid}/";
        Assert.Contains(members, m => m.StartsWith($"{podFolder}{pod.ContainerName}_{pod.Container.Id[..12]}/volatile/processes.json", StringComparison.Ordinal));
        Assert.Contains(members, m => m.StartsWith(podFolder + "sandbox_", StringComparison.Ordinal));

        // Order of volatility across levels: every process captured (node and nested) before any container's metadata.
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        string Path(JsonElement e) => e.GetProperty("path").GetString()!;
        string At(JsonElement e) => e.GetProperty("collectedAt").GetString()!;
        var captured = manifest.Where(e => Path(e).StartsWith("containers/", StringComparison.Ordinal) && Path(e).Contains("/volatile/processes/", StringComparison.Ordinal)).ToList();
        var metadata = manifest.Where(e => Path(e).StartsWith("containers/", StringComparison.Ordinal) && Path(e).Contains("/metadata/", StringComparison.Ordinal)).ToList();
        Assert.Contains(captured, e => Path(e).StartsWith(nodeFolder + "volatile/", StringComparison.Ordinal));
        Assert.Contains(captured, e => Path(e).Contains("/nested/", StringComparison.Ordinal));
        string lastVolatile = captured.Select(At).Max(StringComparer.Ordinal)!;
        string firstMetadata = metadata.Select(At).Min(StringComparer.Ordinal)!;
        Assert.True(string.CompareOrdinal(lastVolatile, firstMetadata) < 0, $"a process was captured at {lastVolatile}, after metadata at {firstMetadata}");

        // The progress says which volatile phase is the host's and which the nested runtimes'.
        Assert.Contains("cfir: volatile phase: 1 container(s)", result.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"cfir: volatile phase of nested runtimes: \d+ container\(s\)", result.Stderr);
    }

    [EngineFact(Engine.Docker)]
    public async Task Collect_NestedContainersFull_TheirMergedRootfsAfterTheVolatileEvidenceOfEveryContainer()
    {
        var (node, planted, _) = await fixture.GetAsync();
        using var dir = new TempDirectory();
        string archive = dir["full.tar"];

        var result = await CfirProcess.RunAsync(["collect", .. planted.Select(c => $"{node.Name}/{c.Id}"), .. CfirProcess.DockerFlags, "--filesystem", "full", "-f", "tar", "-o", archive],
            environment: null);

        await NothingOfFailedAsync(result, archive, node.Id);
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        var paths = manifest.Select(e => e.GetProperty("path").GetString()!).ToList();
        string all = string.Join("\n", paths);
        foreach (var c in planted)
        {
            string folder = $"containers/docker/-/{node.Name}_{node.Id[..12]}/nested/containerd/default/{c.Id}/";
            // The merged tree: what the container wrote and what its image holds, hashed by the node itself.
            foreach (string path in new[] { NestedContainer.PlantedPath, "/bin/busybox" })
            {
                var entry = Assert.Single(manifest, e => e.GetProperty("path").GetString() == folder + "filesystem/full" + path);
                string inNode = await node.ExecAsync("sha256sum", $"/proc/{c.InnerPid.ToString(CultureInfo.InvariantCulture)}/root{path}");
                Assert.Equal(inNode.Split(' ')[0], entry.GetProperty("sha256").GetString());
            }
            Assert.Equal(c.PlantedContent, await ArchiveTools.ReadMemberAsync(archive, folder + "filesystem/full" + NestedContainer.PlantedPath));
            var source = await ArchiveTools.ReadJsonMemberAsync(archive, folder + "metadata/filesystem-source.json");
            Assert.Equal("task rootfs (overlay merged)", source.GetProperty("source").GetString());
            Assert.Equal($"{node.RootPath}/.", source.GetProperty("readBeneath").GetString());

            // Order of volatility across levels, in archive order: this nested container's volatile
            // evidence, and every container's, before anything is copied of any of them.
            int volatileOfIt = paths.FindLastIndex(p => p.StartsWith(folder + "volatile/", StringComparison.Ordinal));
            Assert.True(volatileOfIt >= 0, all);
        }
        int lastVolatile = paths.FindLastIndex(p => p.StartsWith("containers/", StringComparison.Ordinal) && p.Contains("/volatile/", StringComparison.Ordinal));
        int firstFilesystem = paths.FindIndex(p => p.Contains("/filesystem/", StringComparison.Ordinal));
        int firstMetadata = paths.FindIndex(p => p.StartsWith("containers/", StringComparison.Ordinal) && p.Contains("/metadata/", StringComparison.Ordinal));
        Assert.True(lastVolatile < firstFilesystem && lastVolatile < firstMetadata, all);
        // Discovery was complete once the volatile evidence was in: the record comes then, with the descent that found the node's containerd.
        int record = paths.IndexOf("acquisition/acquisition.json");
        Assert.True(lastVolatile < record && record < firstMetadata, all);
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        Assert.Contains(acquisition.GetProperty("nested").GetProperty("descents").EnumerateArray(), d =>
            d.TryGetProperty("nestedIn", out var chain) && chain[0].GetProperty("containerId").GetString() == node.Id);
    }

    [EngineFact(Engine.Docker)]
    public async Task Collect_WithoutNesting_TakesTheNodeAlone()
    {
        var (node, _, _) = await fixture.GetAsync();
        using var dir = new TempDirectory();
        string archive = dir["alone.tar"];

        var result = await CfirProcess.RunAsync(["collect", node.Name, "--no-nested", .. CfirProcess.DockerFlags, "--filesystem", "none", "-f", "tar", "-o", archive], environment: null);

        await NothingOfFailedAsync(result, archive, node.Id);
        var members = await ArchiveTools.ListAsync(archive);
        Assert.DoesNotContain(members, m => m.Contains("/nested/", StringComparison.Ordinal));
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        Assert.Equal(0, acquisition.GetProperty("options").GetProperty("nestedDepth").GetInt32());
        Assert.Contains("--no-nested", Encoding.UTF8.GetString(await ArchiveTools.ReadMemberAsync(archive, "acquisition/acquisition.json")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The run went through and nothing of the node (itself, or anything nested in it) failed.
    /// Other tests start and remove nodes of their own meanwhile: one that vanishes mid-run is
    /// rightly recorded and makes the run partial, so the verdict is asked of this node only.
    /// </summary>
    internal static async Task NothingOfFailedAsync(ProcessResult result, string archive, string nodeId)
    {
        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        var errors = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/errors.jsonl");
        Assert.DoesNotContain(errors, e => e.ToString().Contains(nodeId, StringComparison.Ordinal));
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        Assert.DoesNotContain(manifest, e => e.ToString().Contains(nodeId, StringComparison.Ordinal)
            && e.GetProperty("status").GetString() is "failed" or "missing" or "partial");
    }

    /// <summary>One kind-like node for the class: two plain containers in namespace default and a pod in k8s.io, started on first use.</summary>
    public sealed class Node : IAsyncLifetime
    {
        private readonly Lazy<Task<(KindNode, IReadOnlyList<NestedContainer>, NestedPod)>> _node = new(PlantAsync);

        public Task<(KindNode Node, IReadOnlyList<NestedContainer> Containers, NestedPod Pod)> GetAsync() => _node.Value;

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_node.IsValueCreated && _node.Value.IsCompletedSuccessfully)
            {
                await _node.Value.Result.Item1.DisposeAsync();
            }
        }

        private static async Task<(KindNode, IReadOnlyList<NestedContainer>, NestedPod)> PlantAsync()
        {
            var node = await KindNode.StartAsync();
            try
            {
                return (node, await node.RunContainersAsync(2), await node.RunPodAsync(hostNetwork: true));
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }
    }
}
