using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Containerd;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.HostEvidence;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Nested.Tests;

/// <summary>
/// The kind-like node of the nested rig, seen with cfir's existing code: its containerd, reached
/// through the node's root, is nested (LocalityProbe), lists what the node's ctr and CRI planted,
/// and the host process evidence of a nested container is the right host process (NSpid).
/// </summary>
public sealed class KindNodeTests(KindNodeFixture fixture) : IClassFixture<KindNodeFixture>
{
    private static RuntimeSettings Settings(string ns) => new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(30) }.With(ContainerdOptions.Namespace, ns);

    [EngineFact(Engine.Docker)]
    public async Task The_node_s_containerd_is_nested_and_lists_the_node_s_containers()
    {
        var (node, planted, _) = await fixture.GetAsync();

        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("default"), default);
        var listed = await runtime.ListContainersAsync(default);

        var locality = runtime.Descriptor.Locality;
        Assert.Equal(LocalityKind.Nested, locality.Kind);
        Assert.Equal(node.HostPid, locality.DaemonPid);
        Assert.Equal(node.PidNamespace, locality.PidNamespace);
        Assert.Equal("containerd", File.ReadAllText($"/proc/{node.HostPid}/comm").Trim());
        foreach (var c in planted)
        {
            var seen = Assert.Single(listed, l => l.Id == c.Id);
            Assert.Equal("default", seen.RuntimeNamespace);
            Assert.Equal(KindNode.Image, seen.Image);
            Assert.Equal("running", seen.State);
            Assert.Equal(c.InnerPid, seen.Pid); // the node's pid, not the host's
            Assert.NotEqual(c.HostPid, c.InnerPid);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task The_host_process_evidence_of_a_nested_container_is_its_host_process()
    {
        var (node, planted, _) = await fixture.GetAsync();
        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("default"), default);
        var listed = await runtime.ListContainersAsync(default);

        foreach (var c in planted)
        {
            var sink = new RecordingSink();
            await new HostProcessCollector().CollectAsync(Assert.Single(listed, l => l.Id == c.Id), runtime, sink, new CollectionOptions(), default);

            string pid = c.HostPid.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(c.Cmdline, sink[$"processes/{pid}/cmdline"].Content);
            using var capture = JsonDocument.Parse(sink["capture.json"].Content);
            Assert.Equal(c.HostPid, capture.RootElement.GetProperty("initPid").GetInt32());
            Assert.Equal(c.InnerPid, capture.RootElement.GetProperty("runtimeInitPid").GetInt32());
            Assert.Contains($"is host pid {pid} (NSpid", capture.RootElement.GetProperty("pidTranslation").GetString(), StringComparison.Ordinal);
            Assert.Empty(sink.Errors);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Each_nested_container_has_its_planted_file_in_its_own_root()
    {
        var (node, planted, pod) = await fixture.GetAsync();

        foreach (var c in planted.Append(pod.Container))
        {
            byte[] content = await File.ReadAllBytesAsync(c.PlantedHostPath);
            Assert.Equal(c.PlantedContent, content);
            // The node's own view of the same file, through the pid its runtime reports: the same bytes.
            string inNode = await node.ExecAsync("sha256sum", $"/proc/{c.InnerPid}/root{NestedContainer.PlantedPath}");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), inNode.Split(' ')[0]);
        }
        Assert.Equal(planted.Count + 1, planted.Append(pod.Container).Select(c => c.HostPid).Distinct().Count());
    }

    [EngineFact(Engine.Docker)]
    public async Task A_pod_made_through_the_node_s_CRI_is_grouped_and_logged_in_the_node()
    {
        var (node, _, pod) = await fixture.GetAsync();

        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("k8s.io"), default);
        var listed = await runtime.ListContainersAsync(default);

        var sandbox = Assert.Single(listed, c => c.Id == pod.SandboxId);
        var app = Assert.Single(listed, c => c.Id == pod.Container.Id);
        Assert.Equal(new PodMembership { Namespace = pod.Namespace, Name = pod.Name, Uid = pod.Uid, IsSandbox = true }, sandbox.PodMembership);
        Assert.Equal(new PodMembership { Namespace = pod.Namespace, Name = pod.Name, Uid = pod.Uid, ContainerName = pod.ContainerName }, app.PodMembership);
        Assert.Equal(pod.Container.InnerPid, app.Pid);
        Assert.Equal(pod.Container.Cmdline, NestedProcesses.Cmdline(pod.Container.HostPid));
        // Its own network namespace (the node's CNI bridge), not the node's.
        Assert.False(pod.HostNetwork);
        Assert.NotEqual(new FileInfo($"/proc/{node.HostPid}/ns/net").LinkTarget, new FileInfo($"/proc/{pod.Container.HostPid}/ns/net").LinkTarget);
        // The CRI log is in the node's filesystem, not the host's.
        string log = Encoding.UTF8.GetString(node.ReadFile(pod.LogPath));
        Assert.Contains($" stdout F hello-from-{pod.ContainerName}\n", log, StringComparison.Ordinal);
        Assert.False(File.Exists(pod.LogPath));
    }

    [EngineFact(Engine.Docker)]
    public async Task A_nested_container_s_writable_layer_is_read_beneath_the_node_s_root()
    {
        var (node, planted, _) = await fixture.GetAsync();
        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("default"), default);
        var listed = await runtime.ListContainersAsync(default);
        var c = planted[0];

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(Assert.Single(listed, l => l.Id == c.Id), CollectionPhase.Filesystem, sink,
            new CollectionOptions { Filesystem = FilesystemMode.Changed }, default);

        var file = sink.Single(NestedContainer.PlantedPath);
        Assert.Equal(EvidenceSection.FilesystemChanged, file.Item.Section);
        Assert.Equal(c.PlantedContent, file.Content);
        // Hashed independently, by the node itself.
        string inNode = await node.ExecAsync("sha256sum", $"/proc/{c.InnerPid}/root{NestedContainer.PlantedPath}");
        Assert.StartsWith(file.Sha256!, inNode, StringComparison.Ordinal);
        using var source = JsonDocument.Parse(sink["filesystem-source.json"].Content);
        Assert.Equal("overlay upperdir", source.RootElement.GetProperty("source").GetString());
        Assert.Contains($"beneath the node's root /proc/{node.HostPid}/root/.", source.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Empty(sink.Errors);
    }

    [EngineFact(Engine.Docker)]
    public async Task A_nested_container_s_full_filesystem_is_its_task_s_merged_rootfs_read_beneath_the_node_s_root()
    {
        var (node, planted, _) = await fixture.GetAsync();
        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("default"), default);
        var listed = await runtime.ListContainersAsync(default);
        var c = planted[1];

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(Assert.Single(listed, l => l.Id == c.Id), CollectionPhase.Filesystem, sink,
            new CollectionOptions { Filesystem = FilesystemMode.Full }, default);

        Assert.Empty(sink.Errors);
        Assert.Empty(sink.In(EvidenceSection.FilesystemChanged));
        // The file the container wrote (its writable layer) and a file of the image (a lower
        // layer) are both there: the merged view, not the upper layer. Each hashed by the node
        // itself, through the pid its runtime reports.
        foreach (string path in new[] { NestedContainer.PlantedPath, "/bin/busybox" })
        {
            var file = sink.Single(EvidenceSection.FilesystemFull, path);
            Assert.Equal(EntryStatus.Collected, file.Status);
            string inNode = await node.ExecAsync("sha256sum", $"/proc/{c.InnerPid}/root{path}");
            Assert.Equal(inNode.Split(' ')[0], file.Sha256);
        }
        Assert.Equal(c.PlantedContent, sink.Single(EvidenceSection.FilesystemFull, NestedContainer.PlantedPath).Content);
        // Only the overlay: the container's /proc is a mount of its own namespace, not of the node's rootfs.
        Assert.DoesNotContain(sink.In(EvidenceSection.FilesystemFull), i => i.Path?.StartsWith("/proc/", StringComparison.Ordinal) == true);

        using var source = JsonDocument.Parse(sink["filesystem-source.json"].Content);
        var record = source.RootElement;
        Assert.Equal("full", record.GetProperty("mode").GetString());
        Assert.Equal("task rootfs (overlay merged)", record.GetProperty("source").GetString());
        Assert.EndsWith($"/io.containerd.runtime.v2.task/default/{c.Id}/rootfs", record.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal($"/proc/{node.HostPid}/root/.", record.GetProperty("readBeneath").GetString());
        string why = record.GetProperty("why").GetString()!;
        Assert.Contains($"/proc/{node.HostPid}/mountinfo", why, StringComparison.Ordinal);
        Assert.Contains($"is host pid {c.HostPid} (NSpid", why, StringComparison.Ordinal);
        // The mount really is the node's: it is in the node's mount table and not in the host's.
        string mountPoint = record.GetProperty("path").GetString()!;
        Assert.Contains($" {mountPoint} ", await File.ReadAllTextAsync($"/proc/{node.HostPid}/mountinfo"), StringComparison.Ordinal);
        Assert.DoesNotContain($"/{c.Id}/rootfs ", await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task A_decoy_mount_planted_in_the_node_with_the_task_s_path_is_refused_and_the_real_rootfs_read()
    {
        var (node, _, _) = await fixture.GetAsync();
        var c = Assert.Single(await node.RunContainersAsync(1));
        // Mounted after the shim's, so it is on top in the node's mount table and tried first.
        string decoy = $"/tmp/decoy/io.containerd.runtime.v2.task/default/{c.Id}/rootfs";
        await node.ExecAsync("sh", "-c", $"mkdir -p {decoy} && mount -t tmpfs decoy {decoy} && echo decoy > {decoy}/cfir-decoy");
        try
        {
            await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("default"), default);
            var sink = new RecordingSink();
            await runtime.CollectContainerAsync(Assert.Single(await runtime.ListContainersAsync(default), l => l.Id == c.Id), CollectionPhase.Filesystem, sink,
                new CollectionOptions { Filesystem = FilesystemMode.Full }, default);

            Assert.Empty(sink.Errors);
            Assert.Equal(c.PlantedContent, sink.Single(EvidenceSection.FilesystemFull, NestedContainer.PlantedPath).Content);
            Assert.Null(sink.Find(EvidenceSection.FilesystemFull, "/cfir-decoy"));
            var record = sink["filesystem-source.json"].Json;
            Assert.Equal("task rootfs (overlay merged)", record.GetProperty("source").GetString());
            Assert.NotEqual(decoy, record.GetProperty("path").GetString());
            Assert.Contains($"{decoy} is not the root of the task's init", record.GetProperty("why").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await node.ExecAsync("umount", decoy);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task A_nested_pod_s_CRI_log_is_read_from_the_node_s_var_log_pods()
    {
        var (node, _, pod) = await fixture.GetAsync();
        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("k8s.io"), default);
        var app = Assert.Single(await runtime.ListContainersAsync(default), c => c.Id == pod.Container.Id);

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(app, CollectionPhase.Logs, sink, new CollectionOptions(), default);

        var log = sink["files/0.log"];
        Assert.Equal(node.ReadFile(pod.LogPath), log.Content);
        Assert.Contains($" stdout F hello-from-{pod.ContainerName}\n", log.Text, StringComparison.Ordinal);
        Assert.Contains($"hello-from-{pod.ContainerName}", sink["cri-parsed.jsonl"].Text, StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task A_removed_node_takes_its_containers_and_its_socket_with_it()
    {
        await using var node = await KindNode.StartAsync();
        var planted = Assert.Single(await node.RunContainersAsync(1));
        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath, Settings("default"), default);
        Assert.Contains(await runtime.ListContainersAsync(default), c => c.Id == planted.Id);

        await node.RemoveAsync();

        Assert.False(Directory.Exists($"/proc/{planted.HostPid}"));
        Assert.False(File.Exists(node.SocketPath));
        await Assert.ThrowsAsync<GrpcCallException>(() => runtime.ListContainersAsync(default));
    }

    [EngineFact(Engine.Docker)]
    public async Task A_frozen_node_daemon_leaves_its_socket_hanging_and_its_containers_running()
    {
        await using var node = await KindNode.StartAsync();
        var planted = Assert.Single(await node.RunContainersAsync(1));
        await using var runtime = await ContainerdRuntime.ConnectAsync(node.SocketPath,
            new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(2) }.With(ContainerdOptions.Namespace, "default"), default);

        await node.FreezeDaemonAsync();

        await Assert.ThrowsAsync<GrpcTimeoutException>(() => runtime.ListContainersAsync(default));
        Assert.Equal(planted.Cmdline, NestedProcesses.Cmdline(planted.HostPid));
        await node.ThawDaemonAsync();
        Assert.Contains(await runtime.ListContainersAsync(default), c => c.Id == planted.Id);
    }
}
