using System.Globalization;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// A host daemon that lists its containers and then never says which process a container's
/// init is (<see cref="StallingDockerEndpoint"/>: Docker's list has no pid, so the descent into
/// containers has to ask it). The descent is made beside the volatile phase, so the volatile
/// evidence is taken while that question is still open; with a budget of a day, a descent made
/// before the volatile phase would hold every container's volatile evidence for that day.
/// </summary>
public sealed class HangingDaemonTests
{
    [EngineFact(Engine.Docker)]
    public async Task AHostDaemonThatNeverSaysWhichProcessIsAContainersInit_DoesNotHoldUpTheVolatileEvidence()
    {
        await using var stalling = new StallingDockerEndpoint();
        using var dir = new TempDirectory();
        string archive = dir["h.tar"];
        using var cfir = CfirProcess.Start(["collect", "--docker-host", stalling.Endpoint, "--timeout", "86400", "-o", archive, "--format", "tar"]);

        // The descent asks the stalling daemon about its container (inspect), and gets no answer...
        string inspect = $"GET /v1.41/containers/{StallingDockerEndpoint.ContainerId}/json";
        var deadline = DateTime.UtcNow + ProcessRunner.HangGuard; // hang guard
        while (!stalling.Requests.Any(r => r.StartsWith(inspect, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, string.Join("\n", stalling.Requests));
            await Task.Delay(20);
        }
        // ...and the volatile phase begins all the same.
        await cfir.WaitForStderrAsync("volatile phase: ", ProcessRunner.HangGuard);

        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", cfir.Pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(kill.ExitCode == 0, kill.Describe());
        var result = await cfir.WaitAsync(ProcessRunner.HangGuard);
        Assert.True(result.ExitCode == (int)ExitCode.Interrupted, result.Describe());

        // The acquisition record is still written, and says the stalling daemon's containers were not looked into.
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        string endpoint = Assert.Single(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.TryGetProperty("version", out var v) && v.GetString() == "0.0.0-cfir-stalling")
            .GetProperty("endpoint").GetString()!;
        var descent = Assert.Single(acquisition.GetProperty("nested").GetProperty("descents").EnumerateArray(), d => d.GetProperty("endpoint").GetString() == endpoint);
        Assert.Contains("the run ended before the descent into containers did", descent.GetProperty("notDescended").GetString(), StringComparison.Ordinal);
    }
}
