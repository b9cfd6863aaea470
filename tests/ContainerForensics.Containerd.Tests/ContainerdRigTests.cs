using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Containerd.Tests;

/// <summary>Against the rig's real containerd (scripts/rig/up.sh): namespaces default and k8s.io.</summary>
[Collection("containerd rig")]
public sealed class ContainerdRigTests
{
    private static RuntimeSettings Settings(string? ns = null) => new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(15) }
        .With(ContainerdOptions.Address, RigEnvironment.ContainerdAddress)
        .With(ContainerdOptions.Namespace, ns);

    private static Task<ContainerdRuntime> ConnectAsync(string? ns = null) =>
        ContainerdRuntime.ConnectAsync(RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress)!, Settings(ns), default);

    [EngineFact(Engine.Containerd)]
    public async Task Probe_FindsTheRigContainerdAndItsVersion()
    {
        await using var ctr = new Ctr();
        string ctrVersion = await ctr.RunCtrAsync("version");
        var provider = new ContainerdRuntimeProvider([]);

        var probes = await provider.ProbeAsync(Settings(), default);

        var probe = Assert.Single(probes);
        await using var runtime = Assert.IsType<ContainerdRuntime>(probe.Runtime);
        Assert.Equal("containerd", runtime.Descriptor.Name);
        Assert.False(string.IsNullOrEmpty(runtime.Descriptor.Version));
        // ctr prints the server's version and revision under "Server:".
        string server = ctrVersion[ctrVersion.IndexOf("Server:", StringComparison.Ordinal)..];
        Assert.Contains($"Version:  {runtime.Descriptor.Version}", server, StringComparison.Ordinal);
        Assert.Contains($"Revision: {runtime.Descriptor.Details["revision"]}", server, StringComparison.Ordinal);
    }

    [EngineFact(Engine.Containerd)]
    public async Task List_RunningContainersInTwoNamespaces()
    {
        await using var ctr = new Ctr();
        string inDefault = await ctr.RunAsync("default");
        string inK8s = await ctr.RunAsync("k8s.io");
        await using var runtime = await ConnectAsync();

        var all = await runtime.ListContainersAsync(default);

        foreach (var (ns, id) in new[] { ("default", inDefault), ("k8s.io", inK8s) })
        {
            var c = Assert.Single(all, c => c.Id == id);
            Assert.Equal(ns, c.RuntimeNamespace);
            Assert.Equal(ctr.Image, c.Image);
            Assert.Equal("running", c.State);
            Assert.Equal(id, c.Name);
            Assert.NotNull(c.Pid);
            Assert.True(Directory.Exists($"/proc/{c.Pid}"), $"pid {c.Pid} of {id} is not in /proc");
            Assert.NotNull(c.Created);
        }
    }

    [EngineFact(Engine.Containerd)]
    public async Task List_OneNamespaceOnly()
    {
        await using var ctr = new Ctr();
        string inDefault = await ctr.CreateAsync("default");
        string inK8s = await ctr.CreateAsync("k8s.io");
        await using var runtime = await ConnectAsync("k8s.io");

        var all = await runtime.ListContainersAsync(default);

        Assert.Contains(all, c => c.Id == inK8s);
        Assert.DoesNotContain(all, c => c.Id == inDefault);
        Assert.All(all, c => Assert.Equal("k8s.io", c.RuntimeNamespace));
    }

    [EngineFact(Engine.Containerd)]
    public async Task List_CreatedButNotStartedIsCreated()
    {
        await using var ctr = new Ctr();
        string id = await ctr.CreateAsync("default");
        await using var runtime = await ConnectAsync();

        var c = Assert.Single(await runtime.ListContainersAsync(default), c => c.Id == id);

        Assert.Equal("created", c.State);
        Assert.Null(c.Pid);
        Assert.Equal("default", c.RuntimeNamespace);
    }

    [EngineFact(Engine.Containerd)]
    public async Task CollectMetadata_SpecContainerAndTask()
    {
        await using var ctr = new Ctr();
        string id = await ctr.RunAsync("k8s.io");
        await using var runtime = await ConnectAsync();
        var info = Assert.Single(await runtime.ListContainersAsync(default), c => c.Id == id);
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(info, CollectionPhase.Metadata, sink, new CollectionOptions(), default);

        using var spec = JsonDocument.Parse(sink["spec.json"].Bytes);
        Assert.False(string.IsNullOrEmpty(spec.RootElement.GetProperty("ociVersion").GetString()));
        Assert.Equal(["sleep", "3600"], spec.RootElement.GetProperty("process").GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        using var container = JsonDocument.Parse(sink["container.json"].Bytes);
        var c = container.RootElement.GetProperty("container");
        Assert.Equal(id, c.GetProperty("id").GetString());
        Assert.Equal(ctr.Image, c.GetProperty("image").GetString());
        Assert.Equal(id, c.GetProperty("snapshotKey").GetString());
        Assert.False(string.IsNullOrEmpty(c.GetProperty("snapshotter").GetString()));
        Assert.StartsWith("io.containerd.runc.", c.GetProperty("runtime").GetProperty("name").GetString(), StringComparison.Ordinal);
        // The spec inside container.json is the same bytes as spec.json.
        Assert.Equal(sink["spec.json"].Bytes, c.GetProperty("spec").GetProperty("value").GetBytesFromBase64());
        using var task = JsonDocument.Parse(sink["task.json"].Bytes);
        Assert.Equal("RUNNING", task.RootElement.GetProperty("process").GetProperty("status").GetString());
        Assert.Equal(info.Pid, task.RootElement.GetProperty("process").GetProperty("pid").GetInt32());
        Assert.Empty(sink.Errors);
    }

    [EngineFact(Engine.Containerd)]
    public async Task CollectMetadata_DeletedContainerIsGone()
    {
        await using var ctr = new Ctr();
        string id = await ctr.RunAsync("default");
        await using var runtime = await ConnectAsync();
        var info = Assert.Single(await runtime.ListContainersAsync(default), c => c.Id == id);
        await ctr.DeleteAsync("default", id);

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() =>
            runtime.CollectContainerAsync(info, CollectionPhase.Metadata, new RecordingSink(), new CollectionOptions(), default));

        Assert.Equal(id, gone.ContainerId);
    }
}
