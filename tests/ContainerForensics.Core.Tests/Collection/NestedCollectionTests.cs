using System.Collections.Concurrent;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// Containers of nested runtimes as the rest of cfir sees them (stamped with their host container
/// by discovery): where the layout puts them, how selection reaches them, and that the runner
/// walks them in the same phases as every other container.
/// </summary>
public sealed class NestedCollectionTests
{
    private static readonly string NodeId = new('a', 64);
    private static readonly string WorkerId = new('e', 64);

    private static readonly ContainerInfo Node = new()
    {
        Runtime = "docker", Id = NodeId, Name = "/kind-control-plane", State = "running", Pid = 4242,
        Labels = new Dictionary<string, string> { ["io.x-k8s.kind.cluster"] = "kind" },
    };

    private static readonly ContainerInfo Worker = new() { Runtime = "docker", Id = WorkerId, Name = "/kind-worker", State = "running", Pid = 4343 };

    private static readonly ContainerInfo Stranger = new() { Runtime = "docker", Id = new string('f', 64), Name = "/web", State = "running", Pid = 4444 };

    private static readonly NestingLink InNode = new() { HostContainer = Node, HostPid = 4242, HostEndpoint = "unix:///var/run/docker.sock" };

    private static readonly NestingLink InWorker = new() { HostContainer = Worker, HostPid = 4343, HostEndpoint = "unix:///var/run/docker.sock" };

    private static readonly ContainerInfo Web = new() { Runtime = "containerd", Id = new string('b', 64), Name = "web", RuntimeNamespace = "default", State = "running", Pid = 20, NestedIn = InNode };

    private static readonly ContainerInfo CoreDns = new()
    {
        Runtime = "containerd", Id = new string('c', 64), RuntimeNamespace = "k8s.io", State = "running", Pid = 30, NestedIn = InNode,
        PodMembership = new PodMembership { Namespace = "kube-system", Name = "coredns", Uid = "u-1", ContainerName = "coredns" },
    };

    private static readonly ContainerInfo Stopped = new() { Runtime = "containerd", Id = new string('9', 64), Name = "old", RuntimeNamespace = "default", State = "stopped", NestedIn = InNode };

    [Fact]
    public void A_nested_container_s_folder_is_under_its_node_s_and_its_engine_is_named_by_the_chain()
    {
        var layout = new EvidenceLayout();
        const string node = "containers/docker/-/kind-control-plane_aaaaaaaaaaaa";
        Assert.Equal(node + "/nested/containerd/default/web_bbbbbbbbbbbb", layout.ContainerRoot(Web).Value);
        Assert.Equal(node + "/nested/containerd/k8s.io/pods/kube-system_coredns_u-1/coredns_cccccccccccc", layout.ContainerRoot(CoreDns).Value);
        Assert.Equal(node, layout.ContainerRoot(Node).Value);

        // Docker-in-Docker inside that pod: one level further down, under the pod container's folder.
        var inPod = new NestingLink { HostContainer = CoreDns, HostPid = 5000, HostEndpoint = "/proc/4242/root/run/containerd/containerd.sock" };
        var job = new ContainerInfo { Runtime = "docker", Id = new string('d', 64), Name = "/job", State = "running", NestedIn = inPod };
        Assert.Equal(node + "/nested/containerd/k8s.io/pods/kube-system_coredns_u-1/coredns_cccccccccccc/nested/docker/-/job_dddddddddddd", layout.ContainerRoot(job).Value);

        Assert.Equal("runtimes/containerd-in-docker-kind-control-plane_aaaaaaaaaaaa",
            layout.EngineRoot(new RuntimeDescriptor("containerd", "/proc/4242/root/run/containerd/containerd.sock", "1.6", null) { Nesting = InNode }).Value);
        Assert.Equal("runtimes/docker-in-containerd-coredns_cccccccccccc-in-docker-kind-control-plane_aaaaaaaaaaaa",
            layout.EngineRoot(new RuntimeDescriptor("docker", "unix:///proc/5000/root/var/run/docker.sock", "20.10", null) { Nesting = inPod }).Value);
        // The host's own containerd keeps its plain folder.
        Assert.Equal("runtimes/containerd", layout.EngineRoot(new RuntimeDescriptor("containerd", "/run/containerd/containerd.sock", "1.6", null)).Value);
    }

    [Fact]
    public void The_chain_keeps_apart_what_names_and_ids_would_not()
    {
        var layout = new EvidenceLayout();
        // Two nodes run a container with the same id: two folders, each under its node.
        var inWorker = Web with { NestedIn = InWorker };
        Assert.Equal("containers/docker/-/kind-worker_eeeeeeeeeeee/nested/containerd/default/web_bbbbbbbbbbbb", layout.ContainerRoot(inWorker).Value);
        Assert.NotEqual(layout.ContainerRoot(Web).Value, layout.ContainerRoot(inWorker).Value);
        // A nested container with a host container's runtime and id is not that container.
        var twin = Stranger with { NestedIn = InNode };
        Assert.NotEqual(layout.ContainerRoot(Stranger).Value, layout.ContainerRoot(twin).Value);
        // Two nodes' containerds at the same in-node path: two engine folders.
        var a = new RuntimeDescriptor("containerd", "/run/containerd/containerd.sock", "1.6", null) { Nesting = InNode };
        var b = a with { Nesting = InWorker };
        Assert.NotEqual(layout.EngineRoot(a).Value, layout.EngineRoot(b).Value);
    }

    [Fact]
    public void Selecting_a_node_selects_what_runs_nested_in_it()
    {
        var all = new[] { Node, Worker, Stranger, Web, CoreDns, Stopped };
        Assert.Equal([Node, Web, CoreDns, Stopped], Selected(new ContainerSelector { Names = ["kind-control-plane"] }, all));
        Assert.Equal([Node, Web, CoreDns, Stopped], Selected(new ContainerSelector { Names = ["aaaa"] }, all));
        Assert.Equal([Node, Web, CoreDns, Stopped], Selected(new ContainerSelector { Labels = [new("io.x-k8s.kind.cluster", "kind")] }, all));
        // --running is asked of each container itself.
        Assert.Equal([Node, Web, CoreDns], Selected(new ContainerSelector { Names = ["kind-control-plane"], RunningOnly = true }, all));
    }

    [Fact]
    public void A_nested_container_is_named_as_NODE_slash_CONTAINER_or_by_its_id_not_by_its_name_alone()
    {
        var all = new[] { Node, Worker, Stranger, Web, CoreDns };
        Assert.Equal([Web], Selected(new ContainerSelector { Names = ["kind-control-plane/web"] }, all));
        Assert.Equal([Web], Selected(new ContainerSelector { Names = ["aaaaaa/bbbbbb"] }, all));
        Assert.Equal([Web], Selected(new ContainerSelector { Names = ["bbbbbb"] }, all));
        // A bare name is a name of this host's containers: the nested "web" is not taken with the host's.
        Assert.Equal([Stranger], Selected(new ContainerSelector { Names = ["web"] }, all));
        // The wrong node: nothing, and said so.
        var wrong = new ContainerSelector { Names = ["kind-worker/web"] }.Resolve(all);
        Assert.DoesNotContain(all, wrong.Matches);
        Assert.Equal(["kind-worker/web"], wrong.Unmatched);
    }

    [Fact]
    public void A_name_with_a_slash_is_a_pod_first_and_NODE_slash_CONTAINER_only_when_no_pod_has_that_name()
    {
        // A node called "kube-system" running a container called "coredns", and a pod kube-system/coredns.
        var oddNode = new ContainerInfo { Runtime = "docker", Id = "0d0d", Name = "/kube-system", State = "running" };
        var oddInner = new ContainerInfo
        {
            Runtime = "containerd", Id = "1e1e", Name = "coredns", RuntimeNamespace = "default", State = "running",
            NestedIn = new NestingLink { HostContainer = oddNode, HostPid = 1, HostEndpoint = "unix:///var/run/docker.sock" },
        };
        var all = new[] { Node, CoreDns, oddNode, oddInner };
        Assert.Equal([CoreDns], Selected(new ContainerSelector { Names = ["kube-system/coredns"] }, all));
        // Without the pod in the listing, the same name reaches the nested container.
        Assert.Equal([oddInner], Selected(new ContainerSelector { Names = ["kube-system/coredns"] }, [Node, oddNode, oddInner]));
    }

    [Fact]
    public async Task Nested_containers_are_walked_in_the_same_phases_volatile_first_across_levels()
    {
        var order = new ConcurrentQueue<string>();
        var host = Scripted("docker", "unix:///var/run/docker.sock", null, [Node, Stranger], order);
        var nested = Scripted("containerd", "/proc/4242/root/run/containerd/containerd.sock", InNode, [Web, CoreDns], order,
            fail: (c, p) => c == CoreDns && p == CollectionPhase.Logs ? new InvalidOperationException("no logs") : null);
        var writer = new RecordingArchiveWriter();

        var result = await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None)
            .RunAsync([host, nested], new CollectionOptions { Selector = new ContainerSelector { Names = ["kind-control-plane"] } }, writer, default);

        Assert.Equal([Node, Web, CoreDns], result.Containers);
        var calls = order.ToList();
        int lastVolatile = calls.FindLastIndex(c => c.StartsWith("Volatile", StringComparison.Ordinal));
        int firstMetadata = calls.FindIndex(c => c.StartsWith("Metadata", StringComparison.Ordinal));
        Assert.Equal(3, calls.Count(c => c.StartsWith("Volatile", StringComparison.Ordinal)));
        Assert.True(lastVolatile < firstMetadata, string.Join(", ", calls));

        // Its evidence under the node's folder, its records carrying the chain.
        var web = Assert.Single(writer.Entries, e => e.Entry.Path.Value == "containers/docker/-/kind-control-plane_aaaaaaaaaaaa/nested/containerd/default/web_bbbbbbbbbbbb/metadata/m.json");
        Assert.Same(InNode, web.Entry.Source.NestedIn);
        Assert.Null(Assert.Single(writer.Entries, e => e.Entry.Path.Value == "containers/docker/-/kind-control-plane_aaaaaaaaaaaa/metadata/m.json").Entry.Source.NestedIn);
        var failed = Assert.Single(writer.Errors);
        Assert.Same(InNode, failed.NestedIn);
        Assert.Equal(CoreDns.Id, failed.ContainerId);
    }

    [Fact]
    public async Task A_nested_runtime_gives_its_engine_evidence_when_something_of_it_is_selected()
    {
        var order = new ConcurrentQueue<string>();
        var host = Scripted("docker", "unix:///var/run/docker.sock", null, [Node, Worker, Stranger], order);
        var inNode = Scripted("containerd", "/proc/4242/root/run/containerd/containerd.sock", InNode, [Web], order);
        var inWorker = Scripted("containerd", "/proc/4343/root/run/containerd/containerd.sock", InWorker, [Web with { NestedIn = InWorker }], order);
        var runner = new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None);

        await runner.RunAsync([host, inNode, inWorker], new CollectionOptions { Selector = new ContainerSelector { Names = ["kind-control-plane"] } }, new RecordingArchiveWriter(), default);

        Assert.Equal(["engine"], host.Calls.Where(c => c == "engine"));
        Assert.Equal(["engine"], inNode.Calls.Where(c => c == "engine"));
        Assert.DoesNotContain("engine", inWorker.Calls);

        // Nothing narrowed: every runtime's.
        var all = Scripted("containerd", "/proc/4343/root/run/containerd/containerd.sock", InWorker, [], order);
        await runner.RunAsync([host, all], new CollectionOptions { Selector = new ContainerSelector { RunningOnly = true } }, new RecordingArchiveWriter(), default);
        Assert.Contains("engine", all.Calls);
    }

    [Fact]
    public async Task Listings_of_one_place_fold_and_a_nested_container_never_folds_onto_a_host_one()
    {
        // Docker-in-Docker's dockerd on the containerd nested beside it: one container, two listings.
        var innerDocker = new ContainerInfo { Runtime = "docker", Id = "d1d1", Name = "/job", State = "running", Pid = 7, NestedIn = InNode };
        var innerLower = new ContainerInfo { Runtime = "containerd", Id = "d1d1", RuntimeNamespace = "moby", State = "running", Pid = 7, NestedIn = InNode, ManagedBy = new ContainerRef("docker", "d1d1") };
        // The host's containerd listing a container under the same id as the nested dockerd's: a different container.
        var hostLower = innerLower with { NestedIn = null };
        var order = new ConcurrentQueue<string>();
        var writer = new RecordingArchiveWriter();

        var result = await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None).RunAsync(
        [
            Scripted("containerd", "/run/containerd/containerd.sock", null, [hostLower], order),
            Scripted("docker", "unix:///proc/4242/root/var/run/docker.sock", InNode, [innerDocker], order),
            Scripted("containerd", "/proc/4242/root/run/containerd/containerd.sock", InNode, [innerLower], order),
        ], new CollectionOptions(), writer, default);

        Assert.Equal(2, result.Containers.Count);
        Assert.Contains(result.Containers, c => c.Runtime == "containerd" && c.NestedIn is null);
        var job = Assert.Single(result.Containers, c => c.Runtime == "docker");
        Assert.Equal("containerd", Assert.Single(job.AlsoListedBy).Runtime);
    }

    private static List<ContainerInfo> Selected(ContainerSelector selector, IReadOnlyList<ContainerInfo> all)
    {
        var selection = selector.Resolve(all);
        return [.. all.Where(selection.Matches)];
    }

    private static FakeRuntime Scripted(string name, string endpoint, NestingLink? nesting, IReadOnlyList<ContainerInfo> containers, ConcurrentQueue<string> order,
        Func<ContainerInfo, CollectionPhase, Exception?>? fail = null) => new(RuntimeLocality.Unknown("test"), containers)
    {
        Descriptor = new RuntimeDescriptor(name, endpoint, "1", null) { Nesting = nesting },
        OnCall = (c, p) => order.Enqueue($"{p} {c.Name ?? c.Id}"),
        Fail = fail ?? ((_, _) => null),
        Work = (c, p, sink, ct) => p == CollectionPhase.Metadata
            ? sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "m.json", "{}"u8.ToArray(), "test"), ct).AsTask()
            : Task.CompletedTask,
    };
}
