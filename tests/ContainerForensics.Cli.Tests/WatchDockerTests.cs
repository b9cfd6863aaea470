using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>cfir watch</c> against the rig's Docker: short-lived containers caught with their marker,
/// an exec caught with its process, a burst the index accounts for to the last trigger. Each
/// test selects its own containers by a label of its own (the rig's daemon is shared).
/// </summary>
[Collection(WatchAlone.Name)]
public sealed class WatchDockerTests(ITestOutputHelper output)
{
    private static string DockerHost => PlantedContainer.DockerHost;

    private static string NewTag() => Guid.NewGuid().ToString("N")[..10];

    [EngineFact(Engine.Docker)]
    public async Task FiftyContainersOfASecond_AtLeast48AreCaughtWithTheirMarker_AndEveryArchiveVerifies()
    {
        string tag = NewTag();
        using var dir = new TempDirectory();
        using var watch = await WatchProcess.StartAsync(dir["w"], [.. CfirProcess.DockerFlags, "-l", $"w.test={tag}"]);
        var runs = new List<Task<ProcessResult>>();
        try
        {
            // Started 0.3 s apart, whatever each `docker run` takes: not one after the other.
            for (int i = 0; i < 50; i++)
            {
                runs.Add(ProcessRunner.RunAsync("docker", ["-H", DockerHost, "run", "-d", "--rm", "--network", "none", "--name", $"w-{tag}-{i}",
                    "--label", $"w.test={tag}", RigEnvironment.Image, "sh", "-c", $"echo marker-{tag}-{i}; sleep 1"]));
                await Task.Delay(300);
            }
            var started = await Task.WhenAll(runs);
            Assert.All(started, r => Assert.True(r.ExitCode == 0, r.Describe()));
            // Each container gives a start and a die.
            await watch.WaitForTriggersAsync(l => l.Count >= 100, TimeSpan.FromMinutes(4));
        }
        finally
        {
            await ProcessRunner.RunAsync("sh", ["-c", $"docker -H {DockerHost} ps -aq --filter label=w.test={tag} | xargs -r docker -H {DockerHost} rm -f"]);
        }
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);
        Assert.Equal((int)ExitCode.Interrupted, result.ExitCode);

        var lines = watch.Triggers();
        Assert.All(lines, l => Assert.Equal("collected", l.GetProperty("outcome").GetString()));
        var caught = new HashSet<int>();
        var latencies = new List<double>();
        foreach (var line in lines)
        {
            var members = WatchProcess.VerifyArchive(watch.Directory, line, name =>
                name.EndsWith("/logs/stdout.log", StringComparison.Ordinal) || name.EndsWith("/volatile/processes.json", StringComparison.Ordinal) ||
                name.EndsWith("/volatile/top.json", StringComparison.Ordinal) || name.Contains("/volatile/processes/", StringComparison.Ordinal) && name.EndsWith("/cmdline", StringComparison.Ordinal));
            string name = line.GetProperty("containerName").GetString()!;
            int n = int.Parse(name[(name.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (members.Values.Any(bytes => Encoding.UTF8.GetString(bytes).Contains($"marker-{tag}-{n}", StringComparison.Ordinal)))
            {
                caught.Add(n);
            }
            if (line.GetProperty("trigger").GetString() == "start" && line.TryGetProperty("latencyMs", out var ms))
            {
                latencies.Add(ms.GetDouble());
            }
        }
        latencies.Sort();
        output.WriteLine($"caught {caught.Count} of 50; start latency p50 {latencies[latencies.Count / 2]:0} ms, max {latencies[^1]:0} ms");
        Assert.True(caught.Count >= 48, $"caught {caught.Count} of 50: missing {string.Join(", ", Enumerable.Range(0, 50).Except(caught))}");
        // Only sealed archives and the index are left in the directory.
        Assert.All(Directory.EnumerateFiles(watch.Directory), f => Assert.False(Path.GetFileName(f).StartsWith('.'), f));
    }

    [EngineFact(Engine.Docker)]
    public async Task DockerExec_IsCollectedWithTheExecdProcessInIt()
    {
        string tag = NewTag();
        await using var container = await PlantedContainer.DockerAsync(label: $"w.test={tag}", script: "sleep 3600");
        using var dir = new TempDirectory();
        using var watch = await WatchProcess.StartAsync(dir["w"], [.. CfirProcess.DockerFlags, "-l", $"w.test={tag}", "--trigger", "exec"]);
        await ProcessRunner.CheckedAsync("docker", "-H", DockerHost, "exec", "-d", "-e", $"W_EXEC_MARK={tag}", container.Name, "sleep", "4711");

        var lines = await watch.WaitForTriggersAsync(l => l.Count >= 1, TimeSpan.FromMinutes(2));
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);

        var line = Assert.Single(lines);
        Assert.Equal("exec", line.GetProperty("trigger").GetString());
        Assert.StartsWith("exec_start: sleep 4711", line.GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Equal("complete", line.GetProperty("status").GetString());
        Assert.StartsWith("exec_start", line.GetProperty("event").GetProperty("Action").GetString(), StringComparison.Ordinal); // the daemon's own JSON
        var members = WatchProcess.VerifyArchive(watch.Directory, line, name => name.EndsWith("/volatile/processes.json", StringComparison.Ordinal) || name.EndsWith("/environ", StringComparison.Ordinal));
        var processes = JsonDocument.Parse(members.Single(m => m.Key.EndsWith("processes.json", StringComparison.Ordinal)).Value).RootElement.GetProperty("processes");
        Assert.Contains(processes.EnumerateArray(), p => p.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).SequenceEqual(["sleep", "4711"]));
        Assert.Contains(members.Values, bytes => Encoding.UTF8.GetString(bytes).Contains($"W_EXEC_MARK={tag}", StringComparison.Ordinal));
    }

    [EngineFact(Engine.Docker)]
    public async Task ABurstOf200Starts_WithParallel2_EveryOneIsInTheIndex_CollectedOrDroppedWithTheReason()
    {
        string tag = NewTag();
        using var dir = new TempDirectory();
        using var watch = await WatchProcess.StartAsync(dir["w"], [.. CfirProcess.DockerFlags, "-l", $"w.test={tag}", "--trigger", "start", "--parallel", "2", "--queue", "16", "--filesystem", "none"]);
        var ids = new List<string>();
        try
        {
            using var slots = new SemaphoreSlim(8);
            var runs = Enumerable.Range(0, 200).Select(async i =>
            {
                await slots.WaitAsync();
                try
                {
                    return await ProcessRunner.CheckedAsync("docker", "-H", DockerHost, "run", "-d", "--rm", "--network", "none", "--name", $"w-{tag}-{i}",
                        "--label", $"w.test={tag}", RigEnvironment.Image, "sleep", "2");
                }
                finally
                {
                    slots.Release();
                }
            }).ToList();
            ids.AddRange(await Task.WhenAll(runs));
            await watch.WaitForTriggersAsync(l => l.Count >= 200, TimeSpan.FromMinutes(5));
        }
        finally
        {
            await ProcessRunner.RunAsync("sh", ["-c", $"docker -H {DockerHost} ps -aq --filter label=w.test={tag} | xargs -r docker -H {DockerHost} rm -f"]);
        }
        var result = await watch.InterruptAsync();
        output.WriteLine(result.Stderr);

        var lines = watch.Triggers();
        Assert.Equal(200, lines.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), lines.Select(l => l.GetProperty("containerId").GetString()!).Order(StringComparer.Ordinal));
        foreach (var line in lines)
        {
            string outcome = line.GetProperty("outcome").GetString()!;
            if (outcome == "dropped")
            {
                Assert.Contains("the queue was full", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("collected", outcome);
                Assert.Equal(ArchiveTools.Sha256Hex(Path.Combine(watch.Directory, line.GetProperty("archive").GetString()!)), line.GetProperty("sha256").GetString());
            }
        }
        int dropped = lines.Count(l => l.GetProperty("outcome").GetString() == "dropped");
        output.WriteLine($"{200 - dropped} collected, {dropped} dropped");
        var end = watch.Index()[^1];
        Assert.Equal("watch-ended", end.GetProperty("type").GetString());
        Assert.Equal(200, end.GetProperty("seen").GetInt64());
        Assert.Equal(dropped, end.GetProperty("dropped").GetInt64());
        Assert.Equal(200 - dropped, Directory.EnumerateFiles(watch.Directory, "*.tar.gz").Count());
    }
}
