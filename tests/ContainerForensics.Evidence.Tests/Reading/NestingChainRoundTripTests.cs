using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>Evidence of a nested runtime carries its chain of host containers on its manifest source and its error records; the reader reads it back outermost first.</summary>
public sealed class NestingChainRoundTripTests
{
    [Fact]
    public async Task The_chain_on_manifest_sources_and_error_records_is_read_back_outermost_first()
    {
        var node = new ContainerInfo { Runtime = "docker", Id = new string('a', 64), Name = "/kind-control-plane", State = "running" };
        var inNode = new NestingLink { HostContainer = node, HostPid = 4242, HostEndpoint = "unix:///var/run/docker.sock" };
        var pod = new ContainerInfo { Runtime = "containerd", Id = new string('c', 64), RuntimeNamespace = "k8s.io", State = "running", NestedIn = inNode };
        var inPod = new NestingLink { HostContainer = pod, HostPid = 5000, HostEndpoint = "/proc/4242/root/run/containerd/containerd.sock" };

        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("containers/x/metadata/inspect.json"),
                Source = new EvidenceSource { Runtime = "docker", ContainerId = "d1", NestedIn = inPod },
                Content = EvidenceContent.FromBytes("{}"u8.ToArray()),
            }, default);
            w.RecordError(new ErrorRecord { Scope = "logs of docker/d1", Message = "no logs", Runtime = "docker", ContainerId = "d1", NestedIn = inPod });
        });

        var lines = new List<ManifestLine>();
        var errors = new List<ErrorLine>();
        var problems = new List<ReaderProblem>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive),
            new ArchiveReaderOptions { OnManifestLine = lines.Add, OnErrorLine = errors.Add, OnProblem = problems.Add });
        while (reader.MoveNext())
        {
        }

        Assert.Empty(problems);
        NestingLinkLine[] expected =
        [
            new("docker", "unix:///var/run/docker.sock", null, node.Id, "kind-control-plane", 4242),
            new("containerd", "/proc/4242/root/run/containerd/containerd.sock", "k8s.io", pod.Id, null, 5000),
        ];
        Assert.Equal(expected, Assert.Single(lines, l => l.Path == "containers/x/metadata/inspect.json").Source!.NestedIn);
        Assert.Equal(expected, Assert.Single(errors).NestedIn);
        // A host container's evidence has no chain.
        Assert.All(lines.Where(l => l.Path != "containers/x/metadata/inspect.json"), l => Assert.Null(l.Source?.NestedIn));
    }
}
