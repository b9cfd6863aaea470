using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary><c>cfir watch</c> on containerd (<c>ctr run --rm</c>) and Podman: the same scheduler on their own event sources.</summary>
[Collection(WatchAlone.Name)]
public sealed class WatchEngineTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Containerd)]
    public async Task CtrRunRm_EachContainerIsCaughtOnItsStart_WithItsProcessAndSpec()
    {
        string tag = Guid.NewGuid().ToString("N")[..10];
        string address = PlantedContainer.ContainerdAddress;
        string image = RigEnvironment.ContainerdImage ?? "docker.io/" + RigEnvironment.Image;
        using var dir = new TempDirectory();
        using var watch = await WatchProcess.StartAsync(dir["w"], [.. CfirProcess.ContainerdFlags, "-l", $"w.test={tag}", "--trigger", "start,die"]);
        var runs = new List<Task<ProcessResult>>();
        for (int i = 0; i < 3; i++)
        {
            runs.Add(ProcessRunner.RunAsync("ctr", ["--address", address, "-n", "default", "run", "--rm", "--label", $"w.test={tag}", image, $"w-{tag}-{i}",
                "sh", "-c", $"echo marker-{tag}-{i}; sleep 3"]));
            await Task.Delay(500);
        }
        var ran = await Task.WhenAll(runs);
        Assert.All(ran, r => Assert.True(r.ExitCode == 0, r.Describe()));
        var lines = await watch.WaitForTriggersAsync(l => l.Count >= 6, TimeSpan.FromMinutes(2));
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);

        foreach (int i in Enumerable.Range(0, 3))
        {
            var start = Assert.Single(lines, l => l.GetProperty("containerId").GetString() == $"w-{tag}-{i}" && l.GetProperty("trigger").GetString() == "start");
            Assert.Equal("default", start.GetProperty("namespace").GetString());
            Assert.Equal("protobuf:containerd.services.events.v1.Envelope", start.GetProperty("eventFormat").GetString());
            Assert.True(start.TryGetProperty("eventBase64", out _));
            var members = WatchProcess.VerifyArchive(watch.Directory, start, name =>
                name.EndsWith("/volatile/processes.json", StringComparison.Ordinal) || name.EndsWith("/metadata/spec.json", StringComparison.Ordinal));
            string processesJson = Assert.Single(members.Keys, k => k.EndsWith("processes.json", StringComparison.Ordinal));
            var processes = JsonDocument.Parse(members[processesJson]).RootElement.GetProperty("processes");
            Assert.NotEqual(0, processes.GetArrayLength());
            string spec = Assert.Single(members.Keys, k => k.EndsWith("spec.json", StringComparison.Ordinal));
            Assert.Contains($"marker-{tag}-{i}", Encoding.UTF8.GetString(members[spec]), StringComparison.Ordinal);
            // The die of a --rm container: an archive all the same, saying what could not be taken.
            var die = Assert.Single(lines, l => l.GetProperty("containerId").GetString() == $"w-{tag}-{i}" && l.GetProperty("trigger").GetString() == "die");
            Assert.Equal("collected", die.GetProperty("outcome").GetString());
            WatchProcess.VerifyArchive(watch.Directory, die, _ => false);
        }
    }

    [EngineFact(Engine.Podman)]
    public async Task PodmanStart_IsCaughtThroughItsEvents_WithTheContainersOutput()
    {
        string tag = Guid.NewGuid().ToString("N")[..10];
        using var dir = new TempDirectory();
        using var watch = await WatchProcess.StartAsync(dir["w"], ["--runtime", "podman", "-l", $"w.test={tag}", "--trigger", "start"], CfirProcess.PodmanEnvironment);
        string name = $"w-{tag}";
        try
        {
            await ProcessRunner.CheckedAsync("podman", "--remote", "--url", PlantedContainer.PodmanHost, "run", "-d", "--network", "none", "--name", name,
                "--label", $"w.test={tag}", RigEnvironment.Image, "sh", "-c", $"echo marker-{tag}; sleep 30");
            var lines = await watch.WaitForTriggersAsync(l => l.Count >= 1, TimeSpan.FromMinutes(2));
            var line = Assert.Single(lines);
            Assert.Equal("podman", line.GetProperty("runtime").GetString());
            Assert.Equal(name, line.GetProperty("containerName").GetString());
            var members = WatchProcess.VerifyArchive(watch.Directory, line, m => m.EndsWith("/volatile/processes.json", StringComparison.Ordinal) || m.EndsWith("/logs/stdout.log", StringComparison.Ordinal));
            Assert.Contains(members.Values, bytes => Encoding.UTF8.GetString(bytes).Contains($"marker-{tag}", StringComparison.Ordinal));
        }
        finally
        {
            await ProcessRunner.RunAsync("podman", ["--remote", "--url", PlantedContainer.PodmanHost, "rm", "-f", "-t", "0", name]);
        }
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);
        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);
    }
}
