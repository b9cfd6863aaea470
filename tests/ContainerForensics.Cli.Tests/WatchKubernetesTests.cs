using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>cfir watch --runtime kubernetes</c> against the stand-in API server through a kubeconfig:
/// a pod whose container starts, then dies, is collected twice, each archive its pod's object as
/// the server had it then, the second naming the first.
/// </summary>
public sealed class WatchKubernetesTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Ns = "shop";
    private readonly TempDirectory _dir = new();
    private readonly StandInCluster _cluster = new();
    private StandInApiServer _server = null!;

    public async Task InitializeAsync() => _server = await StandInApiServer.StartAsync(_cluster);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_pods_container_starting_and_dying_is_collected_each_time_from_the_pod_watch()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        using var watch = await WatchProcess.StartAsync(_dir["w"], ["--runtime", "kubernetes", "--kubeconfig", kubeconfig, "-n", Ns, "--trigger", "start,die"],
            new Dictionary<string, string?> { ["HOME"] = _dir["home"] });
        // Created now: whether the watch's first list or its stream sees the start, it is after the watch began.
        var pod = new PodFixture(Ns, "web", K8sFixtures.Uuid("pod/watched-web")) { Created = DateTimeOffset.UtcNow.AddSeconds(-4) };
        _cluster.Add(K8sFixtures.Pod(pod));                                  // ADDED, its app running: create (no trigger here) and start
        await watch.WaitForTriggersAsync(l => l.Count >= 1, TimeSpan.FromMinutes(1));
        _cluster.Add(K8sFixtures.Pod(pod with { Phase = "Failed", Containers = [pod.Containers[0] with { TerminatedExitCode = 2 }] }));
        var lines = await watch.WaitForTriggersAsync(l => l.Count >= 2, TimeSpan.FromMinutes(1));
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);
        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);

        var start = Assert.Single(lines, l => l.GetProperty("trigger").GetString() == "start");
        var die = Assert.Single(lines, l => l.GetProperty("trigger").GetString() == "die");
        foreach (var line in new[] { start, die })
        {
            Assert.Equal("kubernetes", line.GetProperty("runtime").GetString());
            Assert.Equal(pod.Uid, line.GetProperty("containerId").GetString());
            Assert.Equal("web", line.GetProperty("containerName").GetString());
            Assert.Equal("collected", line.GetProperty("outcome").GetString());
        }
        // The start is read from the watch's ADDED line, or from its first list (the pod as listed) when the pod came before it.
        var startEvent = start.GetProperty("event");
        var startPod = startEvent.TryGetProperty("object", out var o) ? o : startEvent;
        Assert.Equal(pod.Uid, startPod.GetProperty("metadata").GetProperty("uid").GetString());
        Assert.Equal("MODIFIED", die.GetProperty("event").GetProperty("type").GetString());
        string folder = $"containers/kubernetes/{Ns}/pods/{Ns}_web_{pod.Uid}/api";
        var startMembers = WatchProcess.VerifyArchive(watch.Directory, start, m => m.StartsWith(folder, StringComparison.Ordinal));
        var dieMembers = WatchProcess.VerifyArchive(watch.Directory, die, m => m.StartsWith(folder, StringComparison.Ordinal) || m == "acquisition/acquisition.json");
        // Each archive holds the pod as the server had it when its trigger was collected.
        string podJson = Assert.Single(startMembers.Keys, k => k.EndsWith("/pod.json", StringComparison.Ordinal));
        Assert.Contains("\"running\"", System.Text.Encoding.UTF8.GetString(startMembers[podJson]), StringComparison.Ordinal);
        Assert.Contains("\"terminated\"", System.Text.Encoding.UTF8.GetString(dieMembers[podJson]), StringComparison.Ordinal);
        using var record = JsonDocument.Parse(dieMembers["acquisition/acquisition.json"]);
        var earlier = Assert.Single(record.RootElement.GetProperty("trigger").GetProperty("earlier").EnumerateArray());
        Assert.Equal(start.GetProperty("archive").GetString(), earlier.GetProperty("archive").GetString());
    }
}
