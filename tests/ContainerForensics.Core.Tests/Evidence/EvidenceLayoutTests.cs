using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Tests.Evidence;

public sealed class EvidenceLayoutTests
{
    private static ContainerInfo C(string id, string? name, string runtime = "docker", string? ns = null) =>
        new() { Runtime = runtime, Id = id, Name = name, RuntimeNamespace = ns };

    [Fact]
    public void Containers_get_readable_distinct_folders()
    {
        var layout = new EvidenceLayout();
        string id = new('a', 64);
        Assert.Equal("containers/docker/-/web_aaaaaaaaaaaa", layout.ContainerRoot(C(id, "/web")).Value);
        Assert.Equal("containers/containerd/k8s.io/cfir-test-x", layout.ContainerRoot(C("cfir-test-x", "cfir-test-x", "containerd", "k8s.io")).Value);
        // A hostile name cannot climb out or hide.
        Assert.Equal("containers/docker/-/%2E%2E_1234", layout.ContainerRoot(C("1234", "..")).Value);
        // Same name and id prefix: a second, distinct folder.
        string other = new string('a', 12) + new string('b', 52);
        Assert.NotEqual(layout.ContainerRoot(C(id, "web")).Value, layout.ContainerRoot(C(other, "web")).Value);
        // Stable for the run.
        Assert.Equal(layout.ContainerRoot(C(id, "/web")), layout.ContainerRoot(C(id, "/web")));
    }

    [Fact]
    public void Pod_members_are_grouped_by_pod_with_the_sandbox_named_so()
    {
        var layout = new EvidenceLayout();
        string sandboxId = new('5', 64);
        string appId = new('a', 64);
        var pod = new PodMembership { Namespace = "shop", Name = "web-0", Uid = "0d9e-11" };
        ContainerInfo Member(string id, PodMembership m) => C(id, id, "containerd", "k8s.io") with { PodMembership = m };

        Assert.Equal("containers/containerd/k8s.io/pods/shop_web-0_0d9e-11/sandbox_555555555555",
            layout.ContainerRoot(Member(sandboxId, pod with { IsSandbox = true })).Value);
        Assert.Equal("containers/containerd/k8s.io/pods/shop_web-0_0d9e-11/nginx_aaaaaaaaaaaa",
            layout.ContainerRoot(Member(appId, pod with { ContainerName = "nginx" })).Value);
        // Label values are untrusted: escaped, never a path of their own.
        Assert.Equal("containers/containerd/k8s.io/pods/%2E%2E_a%2Fb_x/%2E%2E_bbbbbbbbbbbb",
            layout.ContainerRoot(Member(new string('b', 64), new PodMembership { Namespace = "..", Name = "a/b", Uid = "x", ContainerName = ".." })).Value);
        // A container outside any pod whose id is "pods" cannot take the pods folder.
        Assert.NotEqual("containers/containerd/k8s.io/pods", layout.ContainerRoot(C("pods", null, "containerd", "k8s.io")).Value);
    }

    [Fact]
    public void Engines_of_the_same_runtime_get_their_own_folder()
    {
        var layout = new EvidenceLayout();
        Assert.Equal("runtimes/containerd", layout.EngineRoot(new RuntimeDescriptor("containerd", "/run/containerd/containerd.sock", "1.6", null)).Value);
        Assert.Equal("runtimes/containerd-2", layout.EngineRoot(new RuntimeDescriptor("containerd", "/var/run/docker/containerd/containerd.sock", "1.6", null)).Value);
        Assert.Equal("runtimes/containerd", layout.EngineRoot(new RuntimeDescriptor("containerd", "/run/containerd/containerd.sock", "1.6", null)).Value);
    }

    [Fact]
    public void Items_are_placed_in_their_section()
    {
        var root = ArchivePath.Of("containers", "docker", "-", "web_1");
        Assert.Equal("containers/docker/-/web_1/metadata/inspect.json",
            EvidenceLayout.Place(root, new EvidenceItem { Section = EvidenceSection.Metadata, Name = "inspect.json" }).Value);
        Assert.Equal("containers/docker/-/web_1/filesystem/changed/etc/passwd",
            EvidenceLayout.Place(root, new EvidenceItem { Section = EvidenceSection.FilesystemChanged, RawPath = "/etc/passwd"u8.ToArray() }).Value);
        Assert.Equal("containers/docker/-/web_1/filesystem/full/%2F",
            EvidenceLayout.Place(root, new EvidenceItem { Section = EvidenceSection.FilesystemFull, RawPath = "/"u8.ToArray() }).Value);
    }

    [Fact]
    public async Task A_hard_link_item_gets_the_archive_path_of_its_target_placed_by_the_layout()
    {
        var writer = new RecordingArchiveWriter();
        var root = ArchivePath.Of("containers", "docker", "-", "web_1");
        var sink = new ScopedEvidenceSink(writer, root, "test", "docker", null, TimeProvider.System);
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.FilesystemFull,
            RawPath = "/tmp/b"u8.ToArray(),
            Metadata = new EntryMetadata { Kind = EntryKind.HardLink, LinkTarget = "/etc/pass\nwd"u8.ToArray() },
        }, default);
        Assert.Equal("containers/docker/-/web_1/filesystem/full/etc/pass%0Awd", writer.Entries[^1].Entry.HardLinkTarget!.Value);
    }
}
