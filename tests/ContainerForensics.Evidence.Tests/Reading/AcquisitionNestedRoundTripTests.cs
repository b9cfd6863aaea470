using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// The acquisition record's nested part, as Core's writer writes it from a discovery that looked
/// two levels down (a kind node on this host's Docker, a Docker-in-Docker in one of its pods), is
/// read back typed: the depth, every descent with its chain, containers and sockets, the chains on
/// the runtimes tried and the option. An archive written before nested runtimes has none of it.
/// </summary>
public sealed class AcquisitionNestedRoundTripTests
{
    private const string HostDocker = "unix:///var/run/docker.sock";
    private const string NodeContainerd = "/proc/4242/root/run/containerd/containerd.sock";
    private const string PodDocker = "/proc/5000/root/var/run/docker.sock";

    private static readonly ContainerInfo Node = new() { Runtime = "docker", Id = new string('a', 64), Name = "/kind-control-plane", State = "running" };
    private static readonly ContainerInfo Stopped = new() { Runtime = "docker", Id = new string('b', 64), Name = "/old", State = "exited" };
    private static readonly NestingLink InNode = new() { HostContainer = Node, HostPid = 4242, HostEndpoint = HostDocker };
    private static readonly ContainerInfo Pod = new() { Runtime = "containerd", Id = new string('c', 64), RuntimeNamespace = "k8s.io", State = "running", NestedIn = InNode };
    private static readonly NestingLink InPod = new() { HostContainer = Pod, HostPid = 5000, HostEndpoint = NodeContainerd };

    [Fact]
    public async Task The_nested_part_of_the_acquisition_record_is_read_back_with_every_descent_container_socket_and_chain()
    {
        var discovery = Discovery();
        var (record, problems) = await ReadBackAsync(Record(discovery));

        Assert.Empty(problems);
        var nested = record.Nested!;
        Assert.Equal(2, nested.Depth);
        Assert.Equal(2, record.Options!.NestedDepth);
        Assert.Equal(3, nested.Descents!.Count);

        // This host's Docker: the node looked into (its containerd taken), a stopped container not.
        var host = nested.Descents[0];
        Assert.Equal(("docker", HostDocker, 1, (string?)null), (host.Runtime, host.Endpoint, host.Depth!.Value, host.NotDescended));
        Assert.Null(host.NestedIn);
        Assert.Equal(2, host.Containers!.Count);
        var node = host.Containers[0];
        Assert.Equal(new NestedContainerRecord(Node.Id, Node.Name, null, "running", 4242, 4242, "the same pid", null, node.Sockets), node);
        Assert.Equal(
            [
                new NestedSocketRecord("containerd", "/run/containerd/containerd.sock", NodeContainerd, true, true, "containerd", "1.6.20", "nested", true, null),
                new NestedSocketRecord("docker", "/var/run/docker.sock", "/proc/4242/root/var/run/docker.sock", false, false, null, null, null, false, "absent"),
            ],
            node.Sockets!);
        var stopped = host.Containers[1];
        Assert.Equal(new NestedContainerRecord(Stopped.Id, Stopped.Name, null, "exited", null, null, null, "not running (exited)", stopped.Sockets), stopped);
        Assert.Empty(stopped.Sockets!);

        // The node's containerd, one level down: its chain, and its pod's Docker-in-Docker.
        var inNode = nested.Descents[1];
        Assert.Equal(("containerd", NodeContainerd, 2), (inNode.Runtime, inNode.Endpoint, inNode.Depth!.Value));
        Assert.Equal([Link(InNode)], inNode.NestedIn!);
        var pod = Assert.Single(inNode.Containers!);
        Assert.Equal(("k8s.io", 17, 5000), (pod.Namespace, pod.RuntimePid!.Value, pod.HostPid!.Value));
        Assert.Equal("pid 17 of pid:[4026532301] is host pid 5000 (NSpid of /proc/5000/status)", pod.PidTranslation);
        Assert.True(Assert.Single(pod.Sockets!).Nested);

        // The Docker-in-Docker, at the depth limit: its chain outermost first, and why not looked into.
        var inPod = nested.Descents[2];
        Assert.Equal([Link(InNode), Link(InPod)], inPod.NestedIn!);
        Assert.Equal(3, inPod.Depth);
        Assert.Equal("not looked inside: --nested-depth 2 reached", inPod.NotDescended);
        Assert.Empty(inPod.Containers!);

        // The runtimes tried carry the same chains: this host's none, the nested ones theirs.
        Assert.Equal(3, record.Runtimes!.Count);
        Assert.Null(record.Runtimes[0].NestedIn);
        Assert.Equal([Link(InNode)], record.Runtimes[1].NestedIn!);
        Assert.Equal([Link(InNode), Link(InPod)], record.Runtimes[2].NestedIn!);
        Assert.DoesNotContain(NestingFields.NestedIn, record.Runtimes[1].Details.Keys);
    }

    [Fact]
    public async Task A_record_without_a_nested_part_reads_as_none_and_a_descent_with_a_field_of_the_wrong_type_is_a_problem()
    {
        string without = """{"format":"cfir-evidence/1.0","runtimes":[{"name":"docker","endpoint":"unix:///var/run/docker.sock","answered":true}],"options":{"filesystem":"changed"}}""";
        var (old, none) = await ReadBackAsync(Encoding.UTF8.GetBytes(without));
        Assert.Empty(none);
        Assert.Null(old.Nested);
        Assert.Null(old.Runtimes![0].NestedIn);
        Assert.Null(old.Options!.NestedDepth);

        string wrong = """{"format":"cfir-evidence/1.0","nested":{"depth":2,"descents":[{"runtime":"docker","endpoint":"e","depth":"one","containers":[{"id":"x","state":"running","sockets":[{"lookedForBy":"docker","path":"/p","endpoint":"/proc/1/root/p","found":"yes","answered":false,"nested":false}]}]}]}}""";
        var (bad, problems) = await ReadBackAsync(Encoding.UTF8.GetBytes(wrong));
        var descent = Assert.Single(bad.Nested!.Descents!);
        Assert.Null(descent.Depth);
        Assert.Null(Assert.Single(Assert.Single(descent.Containers!).Sockets!).Found);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Field == "nested.descents[0].depth");
        Assert.Contains(problems, p => p.Field == "nested.descents[0].containers[0].sockets[0].found");
    }

    private static NestingLinkLine Link(NestingLink l) =>
        new(l.HostContainer.Runtime, l.HostEndpoint, l.HostContainer.RuntimeNamespace, l.HostContainer.Id, l.HostName, l.HostPid);

    private static DiscoveryResult Discovery()
    {
        var docker = new FakeRuntime(RuntimeLocality.ThisHost("peer in cfir's pid namespace"))
        {
            Descriptor = new RuntimeDescriptor("docker", HostDocker, "27.0", "1.46"),
        };
        var containerd = new FakeRuntime(RuntimeLocality.Nested(4242, 4026532301, "peer below"))
        {
            Descriptor = new RuntimeDescriptor("containerd", NodeContainerd, "1.6.20", null) { Nesting = InNode },
        };
        var dind = new FakeRuntime(RuntimeLocality.Nested(5010, 4026532400, "peer below"))
        {
            Descriptor = new RuntimeDescriptor("docker", PodDocker, "20.10", "1.41") { Nesting = InPod },
        };
        RuntimeDescent[] descents =
        [
            new()
            {
                Runtime = "docker", Endpoint = HostDocker, Depth = 1,
                Containers =
                [
                    new ContainerDescent
                    {
                        Container = Node, RuntimePid = 4242, HostPid = 4242, PidTranslation = "the same pid",
                        Sockets =
                        [
                            new SocketLook
                            {
                                LookedForBy = "containerd", Path = "/run/containerd/containerd.sock", Endpoint = NodeContainerd,
                                Found = true, Answered = true, AnsweredAs = "containerd", Version = "1.6.20", Locality = "nested", Nested = true,
                            },
                            new SocketLook { LookedForBy = "docker", Path = "/var/run/docker.sock", Endpoint = "/proc/4242/root/var/run/docker.sock", Reason = "absent" },
                        ],
                    },
                    new ContainerDescent { Container = Stopped, NotDescended = "not running (exited)" },
                ],
            },
            new()
            {
                Runtime = "containerd", Endpoint = NodeContainerd, Nesting = InNode, Depth = 2,
                Containers =
                [
                    new ContainerDescent
                    {
                        Container = Pod, RuntimePid = 17, HostPid = 5000, PidTranslation = "pid 17 of pid:[4026532301] is host pid 5000 (NSpid of /proc/5000/status)",
                        Sockets = [new SocketLook { LookedForBy = "docker", Path = "/var/run/docker.sock", Endpoint = PodDocker, Found = true, Answered = true, Nested = true }],
                    },
                ],
            },
            new() { Runtime = "docker", Endpoint = PodDocker, Nesting = InPod, Depth = 3, NotDescended = "not looked inside: --nested-depth 2 reached", DepthLimit = true },
        ];
        return new DiscoveryResult([RuntimeProbe.Found(docker), RuntimeProbe.Found(containerd), RuntimeProbe.Found(dind)], explicitRequest: false)
        {
            NestedDepth = 2,
            Descents = descents,
        };
    }

    private static byte[] Record(DiscoveryResult discovery)
    {
        var info = new AcquisitionInfo { ToolName = "cfir", ToolVersion = "1", ToolCommit = "c", CommandLine = ["cfir"], FormatVersion = ArchiveNames.FormatVersion, OutputDescription = "stdout" };
        return AcquisitionRecord.Build(info, new HostFacts { Hostname = "h" }, discovery, new CollectionOptions(), new UnixTime(1_764_000_000, 0), TimeProvider.System);
    }

    private static async Task<(AcquisitionRecordDocument Record, List<ReaderProblem> Problems)> ReadBackAsync(byte[] json)
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
            await w.AddAsync(new ArchiveEntry { Path = EvidenceLayout.AcquisitionRecord, Content = EvidenceContent.FromBytes(json) }, default));
        var problems = new List<ReaderProblem>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive), new ArchiveReaderOptions { OnProblem = problems.Add });
        while (reader.MoveNext())
        {
        }
        return (reader.Acquisition!, problems);
    }
}
