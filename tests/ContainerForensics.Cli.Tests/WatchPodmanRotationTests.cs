using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// Podman's file event logger rotates its log when it passes <c>events_logfile_max_size</c> (1 MB
/// by default, reached by a busy host in hours). Podman 4.3 then ends a followed stream that was
/// asked with <c>since</c> (measured here; without <c>since</c> it carries on, repeating some
/// events and losing others). The watch asks again from the last event seen and drops what is
/// replayed, so no <c>die</c> — the trigger that takes a <c>--rm</c> container's logs before it is
/// gone — is lost or collected twice. A private Podman with a 6 KB event log rotates every few
/// containers here.
/// </summary>
[Collection(WatchAlone.Name)]
public sealed class WatchPodmanRotationTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Podman)]
    public async Task EveryDie_IsCollectedOnce_AcrossRotationsOfPodmansEventLog()
    {
        const int Containers = 8;
        await using var podman = await PrivatePodman.StartAsync("events_logfile_max_size = \"6k\"");
        string endpoint = await podman.StartServiceAsync();
        string tag = Guid.NewGuid().ToString("N")[..10];
        using var dir = new TempDirectory();
        using var watch = await WatchProcess.StartAsync(dir["w"], ["--runtime", "podman", "-l", $"w.test={tag}", "--trigger", "die"],
            new Dictionary<string, string?> { ["CONTAINER_HOST"] = endpoint });
        var names = Enumerable.Range(0, Containers).Select(i => $"w-{tag}-{i}").ToList();
        foreach (string name in names)
        {
            await podman.RunContainerAsync(name, detach: false, "--rm", "--label", $"w.test={tag}", podman.Image, "sh", "-c", $"echo marker-{name}");
        }

        var lines = await watch.WaitForTriggersAsync(l => names.All(n => l.Any(t => t.GetProperty("containerName").GetString() == n)), TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(1)); // a repeat would come now, after the rotations' replays
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);
        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);

        var triggers = watch.Triggers();
        foreach (string name in names)
        {
            Assert.Single(triggers, t => t.GetProperty("containerName").GetString() == name && t.GetProperty("trigger").GetString() == "die");
        }
        // The rotations did happen and cut the stream: the index says so, and that it was asked again.
        var sources = watch.Index().Where(l => l.GetProperty("type").GetString() == "source" && l.GetProperty("endpoint").GetString() == endpoint).ToList();
        Assert.Contains(sources, l => l.GetProperty("state").GetString() == "disconnected");
        Assert.Contains(sources, l => l.GetProperty("state").GetString() == "resumed");
    }
}
