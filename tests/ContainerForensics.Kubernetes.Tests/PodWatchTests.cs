using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>
/// The pod watch as watch mode's event source, against the stand-in's watch: a pod's containers'
/// changes become create, start, oom, die, exec and destroy, each with the server's watch line as
/// its bytes; a version too old for the server (410) lists again and reads what changed meanwhile
/// off the difference; and the stand-in's watch is what kubectl expects.
/// </summary>
public sealed class PodWatchTests
{
    private const string Ns = "shop";

    private static PodFixture Web => new(Ns, "web", K8sFixtures.Uuid("pod/web"));

    private static PodFixture Job => new(Ns, "job", K8sFixtures.Uuid("pod/job"));

    /// <summary>Follows the runtime's events into a channel until the test cancels.</summary>
    private static (ChannelReader<ContainerEvent> Events, Task Done) Follow(KubernetesRuntime runtime, CancellationToken stop, DateTimeOffset? since = null)
    {
        var channel = Channel.CreateUnbounded<ContainerEvent>();
        var done = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in runtime.WatchAsync(since, stop))
                {
                    await channel.Writer.WriteAsync(e, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        });
        return (channel.Reader, done);
    }

    private static async Task<List<ContainerEvent>> TakeAsync(ChannelReader<ContainerEvent> events, int count)
    {
        using var guard = new CancellationTokenSource(StandInRig.Budget);
        var taken = new List<ContainerEvent>();
        while (taken.Count < count)
        {
            taken.Add(await events.ReadAsync(guard.Token));
        }
        return taken;
    }

    private static async Task WaitForWatchAsync(StandInApiServer server)
    {
        using var guard = new CancellationTokenSource(StandInRig.Budget);
        while (!server.Requests.Any(r => r.Query("watch") is "1" or "true"))
        {
            await Task.Delay(20, guard.Token);
        }
    }

    [Fact]
    public async Task A_pods_containers_changes_are_its_events_with_the_watch_line_as_their_bytes()
    {
        await using var rig = await StandInRig.StartAsync(c => c.Add(K8sFixtures.Pod(Web)));
        var runtime = await rig.ConnectAsync(namespaces: [Ns]);
        using var stop = new CancellationTokenSource();
        var (events, done) = Follow(runtime, stop.Token);
        await WaitForWatchAsync(rig.Server);

        var app = Web.Containers[0];
        rig.Cluster.Add(K8sFixtures.Pod(Job with { Phase = "Pending", Containers = [app with { Waiting = "ContainerCreating" }] }));
        rig.Cluster.Add(K8sFixtures.Pod(Job));                                                    // its app runs
        rig.Cluster.Add(K8sFixtures.Pod(Web with { Containers = [app with { RestartCount = 1, LastExitCode = 137 }] })); // OOM-killed, restarted
        rig.Cluster.Add(K8sFixtures.Pod(Web with { Containers = [app with { RestartCount = 1, LastExitCode = 137 }], EphemeralContainers = [new("debugger", "busybox:1.36")] }));
        rig.Cluster.Add(K8sFixtures.Pod(Job with { Phase = "Succeeded", Containers = [app with { TerminatedExitCode = 0 }] }));
        rig.Cluster.Remove("v1", "Pod", Ns, "job");
        var seen = await TakeAsync(events, 8);
        await stop.CancelAsync();
        await done;

        Assert.Equal(["create job", "start job", "oom web", "die web", "start web", "exec web", "die job", "destroy job"], seen.Select(e => $"{e.Action} {e.Name}"));
        Assert.All(seen, e => Assert.Equal(e.Name == "web" ? Web.Uid : Job.Uid, e.ContainerId));
        var oom = seen[2];
        Assert.Equal("app", oom.Attributes["container"]);
        Assert.Equal("137", oom.Attributes["exitCode"]);
        Assert.Equal("OOMKilled", oom.Attributes["reason"]);
        Assert.Equal(Ns, oom.Attributes["namespace"]);
        Assert.Equal("debugger", seen[5].Attributes["container"]);
        Assert.Equal("ephemeral", seen[5].Attributes["containerKind"]);
        // The server's line, byte for byte: {"type":"MODIFIED","object":{...}}.
        using (var line = JsonDocument.Parse(oom.Raw))
        {
            Assert.Equal("MODIFIED", line.RootElement.GetProperty("type").GetString());
            Assert.Equal("web", line.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString());
        }
        Assert.Equal(ContainerEvent.JsonFormat, oom.RawFormat);
        Assert.NotEqual(default, oom.Time);
        // Described from the event itself, as a listing would: the whole pod.
        var described = runtime.Describe(seen[1])!;
        Assert.Equal(Job.Uid, described.Id);
        Assert.True(described.PodMembership!.IsWholePod);
        Assert.Equal(Web.Uid, (await runtime.FindContainerAsync(seen[2], CancellationToken.None))?.Id);
        Assert.Null(await runtime.FindContainerAsync(seen[^1], CancellationToken.None)); // deleted
        // One watch, of the namespace, from the list's version, bookmarks asked for.
        var watch = Assert.Single(rig.Server.Requests, r => r.Query("watch") == "1");
        Assert.Equal($"/api/v1/namespaces/{Ns}/pods", watch.Path);
        Assert.Equal("true", watch.Query("allowWatchBookmarks"));
        Assert.NotNull(watch.Query("resourceVersion"));
    }

    [Fact]
    public async Task A_version_the_server_no_longer_holds_lists_again_and_reads_what_changed_meanwhile()
    {
        await using var rig = await StandInRig.StartAsync(c =>
        {
            c.Add(K8sFixtures.Pod(Web));
            c.Add(K8sFixtures.Pod(Job));
        });
        var runtime = await rig.ConnectAsync(namespaces: [Ns]);
        using (var first = new CancellationTokenSource())
        {
            var (events, done) = Follow(runtime, first.Token);
            await WaitForWatchAsync(rig.Server);
            rig.Cluster.Bookmark();
            rig.Cluster.Add(K8sFixtures.Pod(new PodFixture(Ns, "probe", K8sFixtures.Uuid("pod/probe")) { Phase = "Pending", Containers = [new("app", "busybox") { Waiting = "ContainerCreating" }] }));
            Assert.Equal("create", (await TakeAsync(events, 1))[0].Action);
            await first.CancelAsync();
            await done;
        }
        // While no watch is open: web's app is OOM-killed and restarted, the job is deleted; the history is compacted away.
        var app = Web.Containers[0];
        rig.Cluster.Add(K8sFixtures.Pod(Web with { Containers = [app with { RestartCount = 1, LastExitCode = 137 }] }));
        rig.Cluster.Remove("v1", "Pod", Ns, "job");
        rig.Cluster.Compact();

        using var second = new CancellationTokenSource();
        var (again, finished) = Follow(runtime, second.Token);
        var seen = await TakeAsync(again, 4);
        await second.CancelAsync();
        await finished;

        Assert.Equal(["oom web", "die web", "start web"], seen.Take(3).Select(e => $"{e.Action} {e.Name}"));
        Assert.Equal("destroy", seen[3].Action);
        Assert.Equal(Job.Uid, seen[3].ContainerId);
        Assert.All(seen.Take(3), e => Assert.Equal("relist", e.Attributes["type"]));
        // The relist's events carry the pod as listed.
        using (var pod = JsonDocument.Parse(seen[0].Raw))
        {
            Assert.Equal(Web.Uid, pod.RootElement.GetProperty("metadata").GetProperty("uid").GetString());
        }
        // The watch was asked again from where the first had got to, got 410 (too old), and listed again.
        var watches = rig.Server.Requests.Where(r => r.Query("watch") == "1").ToList();
        Assert.True(watches.Count >= 2, string.Join(", ", watches.Select(w => w.Query("resourceVersion"))));
        Assert.NotEqual(watches[0].Query("resourceVersion"), watches[1].Query("resourceVersion"));
        Assert.Equal(2, rig.Server.Requests.Count(r => r.Path == $"/api/v1/namespaces/{Ns}/pods" && r.Query("watch") is null));
    }

    [Fact]
    public async Task The_first_list_gives_what_started_after_the_watch_began_and_nothing_from_before()
    {
        var now = DateTimeOffset.UtcNow;
        await using var rig = await StandInRig.StartAsync(c =>
        {
            c.Add(K8sFixtures.Pod(Web));                                                          // started years ago
            c.Add(K8sFixtures.Pod(Job with { Created = now.AddSeconds(-4) }));                   // its app started a second from now
        });
        var runtime = await rig.ConnectAsync(namespaces: [Ns]);
        using var stop = new CancellationTokenSource();
        var (events, done) = Follow(runtime, stop.Token, since: now.AddSeconds(-1));
        var seen = await TakeAsync(events, 1);
        await WaitForWatchAsync(rig.Server);
        await stop.CancelAsync();
        await done;

        var start = Assert.Single(seen);
        Assert.Equal("start", start.Action);
        Assert.Equal(Job.Uid, start.ContainerId);
        Assert.Equal("relist", start.Attributes["type"]);
    }

    [KubectlFact]
    public async Task Kubectl_get_pods_watch_prints_the_changes_the_stand_in_streams()
    {
        string dir = Directory.CreateTempSubdirectory("cfir-kubectl-watch-").FullName;
        try
        {
            await using var rig = await StandInRig.StartAsync(c => c.Add(K8sFixtures.Pod(Web)));
            var start = new ProcessStartInfo(KubectlFactAttribute.KubectlPath!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in (string[])["--kubeconfig", rig.Server.WriteKubeconfig(dir), "--cache-dir", Path.Combine(dir, "kube-cache"), "get", "pods", "-n", Ns, "--watch", "-o", "name"])
            {
                start.ArgumentList.Add(a);
            }
            start.Environment.Remove("KUBECONFIG");
            start.Environment["HOME"] = dir;
            using var kubectl = Process.Start(start)!;
            var stderr = kubectl.StandardError.ReadToEndAsync();
            var lines = Channel.CreateUnbounded<string>();
            _ = Task.Run(async () =>
            {
                while (await kubectl.StandardOutput.ReadLineAsync() is { } line)
                {
                    await lines.Writer.WriteAsync(line);
                }
                lines.Writer.TryComplete();
            });
            try
            {
                using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                Assert.Equal("pod/web", await lines.Reader.ReadAsync(guard.Token));   // the list
                await WaitForWatchAsync(rig.Server);
                rig.Cluster.Add(K8sFixtures.Pod(Job));                                 // ADDED
                Assert.Equal("pod/job", await lines.Reader.ReadAsync(guard.Token));
                rig.Cluster.Add(K8sFixtures.Pod(Job with { Phase = "Succeeded" }));   // MODIFIED
                Assert.Equal("pod/job", await lines.Reader.ReadAsync(guard.Token));
                rig.Cluster.Remove("v1", "Pod", Ns, "job");                             // DELETED
                Assert.Equal("pod/job", await lines.Reader.ReadAsync(guard.Token));
            }
            catch (OperationCanceledException)
            {
                kubectl.Kill(entireProcessTree: true);
                Assert.Fail($"kubectl did not print the watch's events; stderr: {await stderr}");
            }
            finally
            {
                if (!kubectl.HasExited)
                {
                    kubectl.Kill(entireProcessTree: true);
                }
            }
            Assert.Single(rig.Server.Requests, r => r.Query("watch") is "1" or "true" && r.Path == $"/api/v1/namespaces/{Ns}/pods");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
