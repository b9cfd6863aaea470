using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary><c>cfir list</c>: what collect would take, as JSON on stdout or as text for people on stderr.</summary>
public sealed class ListTests
{
    [EnginesFact(Engine.Docker, Engine.Podman, Engine.Containerd)]
    public async Task ListJson_ShowsTheThreeRuntimesWithVersionsAndAPlantedContainerRunning()
    {
        await using var container = await PlantedContainer.DockerAsync();

        var result = await CfirProcess.RunAsync(["list", "--json", "--docker-host", PlantedContainer.DockerHost, "--containerd-address", PlantedContainer.ContainerdAddress],
            CfirProcess.PodmanEnvironment);

        Assert.True(result.ExitCode == 0, result.Describe());
        using var doc = JsonDocument.Parse(result.Stdout);
        // This host's runtimes: nodes of the nested rig that other tests run meanwhile add runtimes nested in them.
        var answered = doc.RootElement.EnumerateArray().Where(p => p.GetProperty("answered").GetBoolean() && p.GetProperty("nestedIn").ValueKind == JsonValueKind.Null).ToList();
        foreach (var runtime in new[] { "docker", "podman", "containerd" })
        {
            var probe = Assert.Single(answered, p => p.GetProperty("runtime").GetString() == runtime);
            Assert.False(string.IsNullOrWhiteSpace(probe.GetProperty("version").GetString()), $"{runtime} has no version: {probe}");
        }
        var docker = answered.Single(p => p.GetProperty("runtime").GetString() == "docker");
        var listed = Assert.Single(docker.GetProperty("containers").EnumerateArray(), c => c.GetProperty("name").GetString() == container.Name);
        Assert.Equal(container.Id, listed.GetProperty("id").GetString());
        Assert.Equal("running", listed.GetProperty("state").GetString());
        Assert.Equal("docker", listed.GetProperty("runtime").GetString());
    }

    [EnginesFact(Engine.Docker, Engine.Podman, Engine.Containerd)]
    public async Task ListJson_ATimeoutOfWeeksIsTakenAsADayAndEveryRuntimeStillAnswers()
    {
        // 5,000,000 s is 58 days: past what a timer accepts (24.8 days), once broke containerd's probe.
        var result = await CfirProcess.RunAsync(["list", "--json", "--timeout", "5000000", "--docker-host", PlantedContainer.DockerHost, "--containerd-address", PlantedContainer.ContainerdAddress],
            CfirProcess.PodmanEnvironment);

        Assert.True(result.ExitCode == 0, result.Describe());
        using var doc = JsonDocument.Parse(result.Stdout);
        var probes = doc.RootElement.EnumerateArray().ToList();
        foreach (var runtime in new[] { "docker", "podman", "containerd" })
        {
            Assert.True(probes.Any(p => p.GetProperty("runtime").GetString() == runtime && p.GetProperty("answered").GetBoolean()),
                $"{runtime} did not answer: {result.Stdout}");
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task List_ForPeople_GoesToStderrNotStdout()
    {
        await using var container = await PlantedContainer.DockerAsync();

        var result = await CfirProcess.RunAsync(["list", .. CfirProcess.DockerFlags], environment: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Empty(result.Stdout);
        var line = Assert.Single(result.Stderr.Split('\n'), l => l.Contains(container.Name, StringComparison.Ordinal));
        Assert.Contains(container.Id[..12], line, StringComparison.Ordinal);
        Assert.Contains("running", line, StringComparison.Ordinal);
        Assert.Contains($"docker at {PlantedContainer.DockerHost}: version ", result.Stderr, StringComparison.Ordinal);
    }
}
