using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>cfir watch</c> while its daemon restarts: the event stream breaks, is asked for again from
/// the last event seen, events after the restart are caught and nothing from before it is
/// collected twice. On a private dockerd (<see cref="PrivateDockerd"/>): the rig's is shared.
/// </summary>
[Collection(WatchAlone.Name)]
public sealed class WatchRestartTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Docker)]
    public async Task DockerdRestartedDuringTheWatch_EventsAfterItAreCaught_AndNothingBeforeItIsCollectedTwice()
    {
        await using var dockerd = await PrivateDockerd.StartAsync();
        using var dir = new TempDirectory();
        // The rig's daemon is found too (/var/run/docker.sock): the label keeps its containers out.
        string label = "w.test=" + Guid.NewGuid().ToString("N")[..10];
        using var watch = await WatchProcess.StartAsync(dir["w"], ["--runtime", "docker", "--docker-host", dockerd.Host, "-l", label, "--trigger", "start", "--filesystem", "none"]);
        string before = await dockerd.DockerAsync("run", "-d", "--network", "none", "--label", label, "--name", "w-before", RigEnvironment.Image, "sleep", "600");
        await watch.WaitForTriggersAsync(l => l.Any(t => t.GetProperty("containerId").GetString() == before), TimeSpan.FromMinutes(2));

        await dockerd.RestartAsync();
        string after = await dockerd.DockerAsync("run", "-d", "--network", "none", "--label", label, "--name", "w-after", RigEnvironment.Image, "sleep", "600");
        await dockerd.DockerAsync("start", "w-before"); // stopped by the restart: a second start, a trigger of its own
        var lines = await watch.WaitForTriggersAsync(l => l.Count(t => t.GetProperty("containerId").GetString() is { } id && (id == after || id == before)) >= 3, TimeSpan.FromMinutes(2));
        await Task.Delay(2000); // a duplicate of an event before the restart would be indexed by now
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);
        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);

        lines = watch.Triggers();
        // Three starts, each once: "before" before the restart, "after" and "before" again after it.
        Assert.Equal(3, lines.Count);
        Assert.Single(lines, l => l.GetProperty("containerId").GetString() == after);
        var starts = lines.Where(l => l.GetProperty("containerId").GetString() == before).Select(l => l.GetProperty("eventTime").GetString()).ToList();
        Assert.Equal(2, starts.Distinct().Count());
        Assert.All(lines, l => Assert.Equal("collected", l.GetProperty("outcome").GetString()));
        // The index says the stream was lost and came back, asked again from the last event.
        var sources = watch.Index().Where(l => l.GetProperty("type").GetString() == "source").Select(l => l.GetProperty("state").GetString()).ToList();
        Assert.Contains("disconnected", sources);
        Assert.Contains("resumed", sources);
    }
}
