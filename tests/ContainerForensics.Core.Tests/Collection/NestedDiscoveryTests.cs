using System.Diagnostics;
using System.Net.Sockets;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// Discovery's descent with real processes and real sockets: the container a runtime lists is a
/// process of this host (its root looked into through /proc), the sockets are listening unix
/// sockets, and the providers connect as real ones do (<see cref="FakeRuntimeProvider"/>).
/// </summary>
public sealed class NestedDiscoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-nested-").FullName;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_symlink_planted_in_the_container_never_leads_to_the_host_s_socket()
    {
        // The host's socket, outside the container's root, listening.
        string hostSocket = Path.Join(_dir, "host", "host.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(hostSocket)!);
        var host = Listen(hostSocket);

        // The container's root: links to that socket, absolute and climbing, and one real socket of its own.
        string root = Path.Join(_dir, "root");
        Directory.CreateDirectory(Path.Join(root, "run", "containerd"));
        Directory.CreateDirectory(Path.Join(root, "run", "podman"));
        File.CreateSymbolicLink(Path.Join(root, "run", "containerd", "containerd.sock"), hostSocket);
        File.CreateSymbolicLink(Path.Join(root, "run", "podman", "podman.sock"), "../../../../../../../../.." + hostSocket);
        var own = Listen(Path.Join(root, "run", "docker.sock"));
        int pid = StartChrooted(root);

        var containerd = new FakeRuntimeProvider("containerd", new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("box", pid))) { NestedSockets = ["/run/containerd/containerd.sock"] };
        var podman = new FakeRuntimeProvider("podman") { NestedSockets = ["/run/podman/podman.sock"] };
        var docker = new FakeRuntimeProvider("docker") { NestedSockets = ["/run/docker.sock"] };

        var discovery = await Discover([containerd, podman, docker]);

        Assert.Empty(containerd.Probed);
        Assert.Empty(podman.Probed);
        Assert.False(host.Poll(0, SelectMode.SelectRead), "something connected to the host's socket");
        var box = Assert.Single(Assert.Single(discovery.Descents, d => d.Depth == 1).Containers);
        Assert.Equal(pid, box.HostPid);
        var planted = Assert.Single(box.Sockets, s => s.LookedForBy == "containerd");
        Assert.False(planted.Found);
        Assert.Contains($"a symlink to {hostSocket}, resolved inside the container", planted.Reason, StringComparison.Ordinal);
        Assert.False(Assert.Single(box.Sockets, s => s.LookedForBy == "podman").Found);

        // The container's own socket is found and connected through the descriptor held open,
        // and its listener (this process) is the host's: not a runtime nested in the container.
        Assert.Equal(["/run/docker.sock"], docker.Probed);
        Assert.True(own.Poll(5_000_000, SelectMode.SelectRead), "the container's own socket was not connected");
        var ownLook = Assert.Single(box.Sockets, s => s.LookedForBy == "docker");
        Assert.True(ownLook is { Found: true, Answered: true, Nested: false });
        Assert.Contains("the host's socket mounted into the container", ownLook.Reason, StringComparison.Ordinal);
        Assert.Equal($"/proc/{pid}/root/run/docker.sock", ownLook.Endpoint);
        Assert.DoesNotContain(discovery.Probes, p => p.Nesting is not null && p.Runtime is not null);
    }

    [Fact]
    public async Task A_daemon_in_the_container_s_pid_namespace_is_a_nested_runtime_with_its_chain()
    {
        string path = Path.Join(_dir, "inner.sock");
        var node = await PidNamespaceProcess.StartAsync("socat", $"UNIX-LISTEN:{path},fork", "SYSTEM:true");
        _owned.Add(node);
        await WaitForSocketAsync(path);
        var hostRuntime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("node", node.HostPid), FakeRuntime.Running("gone", 999_999_999) with { Id = "gone" });
        var inner = new FakeRuntimeProvider("inner")
        {
            NestedSockets = [path],
            NestedContainers = _ => [new ContainerInfo { Runtime = "inner", Id = "app1", Name = "app", State = "running", Pid = 1 }],
        };

        var discovery = await Discover([new FakeRuntimeProvider("fake", hostRuntime), inner], depth: 1);

        var nested = Assert.Single(discovery.Runtimes, r => r.Descriptor.Nesting is not null);
        var link = nested.Descriptor.Nesting!;
        Assert.Equal("node", link.HostContainer.Name);
        Assert.Equal(node.HostPid, link.HostPid);
        Assert.Equal(1, link.Depth);
        Assert.Equal("fake://test", link.HostEndpoint);
        Assert.Equal(LocalityKind.Nested, nested.Descriptor.Locality.Kind);
        Assert.Equal(node.HostPid, nested.Descriptor.Locality.DaemonPid);
        Assert.Equal($"inner in fake/node at /proc/{node.HostPid}/root{path}", nested.Descriptor.ToString());
        // Core stamps every container the nested runtime lists.
        var app = Assert.Single(await nested.ListContainersAsync(default));
        Assert.Same(link, app.NestedIn);

        var descent = Assert.Single(discovery.Descents, d => d.Depth == 1);
        var looked = Assert.Single(descent.Containers, c => c.Container.Name == "node");
        Assert.True(Assert.Single(looked.Sockets) is { Found: true, Answered: true, Nested: true, AnsweredAs: "inner", Locality: "nested" });
        Assert.Contains(descent.Containers, c => c.Container.Name == "gone" && c.NotDescended != null);
        // Depth 1: the nested runtime's own containers are not looked into, and that is said.
        var below = Assert.Single(discovery.Descents, d => d.Depth == 2);
        Assert.True(below.DepthLimit);
        Assert.Same(link, below.Nesting);
        foreach (var r in discovery.Runtimes)
        {
            await r.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_daemon_reached_again_from_a_deeper_level_is_taken_once()
    {
        string path = Path.Join(_dir, "inner.sock");
        var node = await PidNamespaceProcess.StartAsync("socat", $"UNIX-LISTEN:{path},fork", "SYSTEM:true");
        _owned.Add(node);
        await WaitForSocketAsync(path);
        var hostRuntime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("node", node.HostPid));
        // The nested runtime lists a container whose init is pid 1 of its namespace: the node's socat itself, whose root has the same socket.
        var inner = new FakeRuntimeProvider("inner")
        {
            NestedSockets = [path],
            NestedContainers = _ => [new ContainerInfo { Runtime = "inner", Id = "self", Name = "self", State = "running", Pid = 1 }],
        };

        var discovery = await Discover([new FakeRuntimeProvider("fake", hostRuntime), inner]);

        Assert.Single(discovery.Runtimes, r => r.Descriptor.Nesting is not null);
        var second = Assert.Single(discovery.Descents, d => d.Depth == 2);
        var self = Assert.Single(second.Containers);
        Assert.Equal(node.HostPid, self.HostPid); // pid 1 of the node's namespace, translated through NSpid
        Assert.Contains("NSpid", self.PidTranslation, StringComparison.Ordinal);
        var again = Assert.Single(self.Sockets);
        Assert.True(again is { Answered: true, Nested: false });
        Assert.Contains("the same daemon", again.Reason, StringComparison.Ordinal);
        foreach (var r in discovery.Runtimes)
        {
            await r.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_nested_runtime_whose_node_is_removed_before_the_listing_is_logged_not_failed_and_one_that_only_stops_answering_is_failed()
    {
        string path = Path.Join(_dir, "inner.sock");
        var node = await PidNamespaceProcess.StartAsync("socat", $"UNIX-LISTEN:{path},fork", "SYSTEM:true");
        await WaitForSocketAsync(path);
        bool down = false;
        var hostRuntime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("node", node.HostPid));
        var inner = new FakeRuntimeProvider("inner")
        {
            NestedSockets = [path],
            NestedListFail = () => down ? new IOException("connection refused") : null,
        };
        var discovery = await Discover([new FakeRuntimeProvider("fake", hostRuntime), inner], depth: 1);
        var nested = Assert.Single(discovery.Runtimes, r => r.Descriptor.Nesting is not null);
        var runner = new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None);
        down = true;

        // The daemon still runs and does not answer: a failure of the run.
        var alive = new RecordingArchiveWriter();
        await runner.RunAsync([hostRuntime, nested], new CollectionOptions(), alive, default);
        Assert.Contains(alive.Errors, e => e.Message.Contains("connection refused", StringComparison.Ordinal) && e.NestedIn is not null);

        // The node is gone (its daemon exited): nothing of it was in the run's hands.
        node.Dispose();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // hang guard
        while (Directory.Exists($"/proc/{node.HostPid}"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the node did not exit");
            await Task.Delay(20);
        }
        var gone = new RecordingArchiveWriter();
        var log = new RecordingLogSink();
        await new CollectionRunner(TimeProvider.System, log.Logger, ICollectionProgress.None).RunAsync([hostRuntime, nested], new CollectionOptions(), gone, default);
        Assert.Empty(gone.Errors);
        Assert.Contains(log.Warnings, w => w.Contains("exited since discovery", StringComparison.Ordinal));
        Assert.Equal(["engine"], Assert.Single(inner.Answered).Calls); // the first run's, not the second's
        await nested.DisposeAsync();
    }

    [Fact]
    public async Task Runtimes_and_containers_not_looked_into_are_recorded_with_why()
    {
        var remote = new FakeRuntime(RuntimeLocality.Remote("tcp"), FakeRuntime.Running("far", 1)) { Descriptor = new RuntimeDescriptor("remote", "tcp://x", "1", null) { Locality = RuntimeLocality.Remote("over tcp") } };
        var untranslatable = new FakeRuntime(RuntimeLocality.Nested(999_999_999, 4026531836, "a daemon that is gone"), FakeRuntime.Running("lost", 7))
        {
            Descriptor = new RuntimeDescriptor("lost", "unix:///lost.sock", "1", null) { Locality = RuntimeLocality.Nested(999_999_999, 4026531836, "a daemon that is gone") },
        };
        var local = new FakeRuntime(RuntimeLocality.ThisHost("test"), new ContainerInfo { Runtime = "fake", Id = "stopped", Name = "stopped", State = "exited" });

        var discovery = await Discover([new FakeRuntimeProvider("remote", remote), new FakeRuntimeProvider("lost", untranslatable), new FakeRuntimeProvider("fake", local) { NestedSockets = ["/run/x.sock"] }]);

        Assert.Contains("not this host's", Assert.Single(discovery.Descents, d => d.Runtime == "remote").NotDescended, StringComparison.Ordinal);
        var lost = Assert.Single(Assert.Single(discovery.Descents, d => d.Runtime == "lost").Containers);
        Assert.Null(lost.HostPid);
        Assert.Equal(7, lost.RuntimePid);
        Assert.Contains("cannot be translated", lost.NotDescended, StringComparison.Ordinal);
        Assert.Equal("not running (exited)", Assert.Single(Assert.Single(discovery.Descents, d => d.Runtime == "fake").Containers).NotDescended);
    }

    [Fact]
    public async Task Without_nesting_no_container_is_looked_into_and_that_is_recorded()
    {
        using var box = await PidNamespaceProcess.StartAsync("sleep", "600");
        var runtime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("box", box.HostPid));
        var provider = new FakeRuntimeProvider("fake", runtime) { NestedSockets = ["/run/x.sock"] };

        var discovery = await Discover([provider], depth: 0);

        var descent = Assert.Single(discovery.Descents);
        Assert.True(descent.DepthLimit);
        Assert.Contains("--no-nested", descent.NotDescended, StringComparison.Ordinal);
        Assert.Empty(runtime.PidQueries);
        Assert.Equal(0, discovery.NestedDepth);
    }

    [Fact]
    public async Task One_container_listed_by_two_runtimes_is_looked_into_once_from_its_manager()
    {
        using var box = await PidNamespaceProcess.StartAsync("sleep", "600");
        var docker = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("web", box.HostPid) with { Runtime = "docker", Id = "abc" })
        {
            Descriptor = new RuntimeDescriptor("docker", "unix:///docker.sock", "1", null) { Locality = RuntimeLocality.ThisHost("test") },
        };
        var containerd = new FakeRuntime(RuntimeLocality.ThisHost("test"), new ContainerInfo { Runtime = "containerd", Id = "abc", State = "running", Pid = box.HostPid, RuntimeNamespace = "moby", ManagedBy = new ContainerRef("docker", "abc") })
        {
            Descriptor = new RuntimeDescriptor("containerd", "/run/containerd/containerd.sock", "1", null) { Locality = RuntimeLocality.ThisHost("test") },
        };
        string path = Path.Join(_dir, "any.sock");
        Listen(path);
        var looker = new FakeRuntimeProvider("looker") { NestedSockets = [path] };

        // containerd first: the manager's listing is still the one looked into.
        var discovery = await Discover([new FakeRuntimeProvider("containerd", containerd), new FakeRuntimeProvider("docker", docker), looker]);

        Assert.Single(looker.Probed);
        var lower = Assert.Single(Assert.Single(discovery.Descents, d => d.Runtime == "containerd").Containers);
        Assert.True(lower.LookedIntoElsewhere);
        Assert.Contains("docker/web", lower.NotDescended, StringComparison.Ordinal);
        Assert.NotEmpty(Assert.Single(Assert.Single(discovery.Descents, d => d.Runtime == "docker").Containers).Sockets);
    }

    [Fact]
    public async Task Sockets_of_different_containers_are_probed_side_by_side()
    {
        using var a = await PidNamespaceProcess.StartAsync("sleep", "600");
        using var b = await PidNamespaceProcess.StartAsync("sleep", "601");
        string path = Path.Join(_dir, "hangs.sock");
        Listen(path);
        // Each probe waits until the other has started: probed one after the other, they would never end.
        int started = 0;
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hanging = new FakeRuntimeProvider("hangs")
        {
            NestedSockets = [path],
            Answer = async (socket, _, ct) =>
            {
                if (Interlocked.Increment(ref started) == 2)
                {
                    both.SetResult();
                }
                await both.Task.WaitAsync(TimeSpan.FromSeconds(30), ct); // hang guard
                return RuntimeProbe.NotFound("hangs", socket.Endpoint, "did not answer within 1 s");
            },
        };
        var runtime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("a", a.HostPid), FakeRuntime.Running("b", b.HostPid));

        var discovery = await Discover([new FakeRuntimeProvider("fake", runtime), hanging]);

        Assert.Equal(2, hanging.Probed.Count);
        foreach (var c in Assert.Single(discovery.Descents).Containers)
        {
            Assert.Contains("did not answer within 1 s", Assert.Single(c.Sockets).Reason, StringComparison.Ordinal);
        }
        // A socket that is there and does not answer is a probe with its place, for cfir list.
        Assert.Equal(2, discovery.Probes.Count(p => p.Nesting is not null && p.Runtime is null));
    }

    private static Task<DiscoveryResult> Discover(IReadOnlyList<IRuntimeProvider> providers, int depth = DiscoveryRequest.DefaultNestedDepth) =>
        new Discovery(providers, Serilog.Core.Logger.None).DiscoverAsync(new DiscoveryRequest { NestedDepth = depth, Settings = new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(5) } }, default);

    private Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(8);
        _owned.Add(socket);
        return socket;
    }

    /// <summary>A process whose root is <paramref name="root"/>, as a container's is: a static busybox sleeping there.</summary>
    private int StartChrooted(string root)
    {
        File.Copy("/bin/busybox", Path.Join(root, "busybox"));
        File.SetUnixFileMode(Path.Join(root, "busybox"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var psi = new ProcessStartInfo("chroot") { UseShellExecute = false };
        foreach (string arg in (string[])[root, "/busybox", "sleep", "600"])
        {
            psi.ArgumentList.Add(arg);
        }
        var process = Process.Start(psi)!;
        _owned.Add(new Killed(process));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // hang guard
        while (new FileInfo($"/proc/{process.Id}/root").LinkTarget != root)
        {
            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "chroot did not start");
            Thread.Sleep(20);
        }
        return process.Id;
    }

    private static async Task WaitForSocketAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // hang guard
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"socat did not listen on {path}");
            await Task.Delay(20);
        }
    }

    private sealed class Killed(Process process) : IDisposable
    {
        public void Dispose()
        {
            process.Kill();
            process.WaitForExit(10_000);
            process.Dispose();
        }
    }
}
