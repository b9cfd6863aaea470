using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// Nesting beyond the kind node: a CI runner's Docker-in-Docker found and collected by
/// DIND/CONTAINER, and the host's own socket mounted into a container, which is not nested.
/// </summary>
public sealed class NestedDockerTests
{
    [EngineFact(Engine.Docker)]
    public async Task DockerInDocker_IsListedUnderItsContainerAndItsContainerCollectedIntoItsFolder()
    {
        await using var dind = await DockerInDocker.StartAsync();
        var inner = (await dind.RunContainersAsync(1))[0];
        using var dir = new TempDirectory();
        string archive = dir["dind.tar"];

        var list = await CfirProcess.RunAsync(["list", .. CfirProcess.DockerFlags], environment: null);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Contains($"  docker in docker/{dind.Name} at unix://{dind.RootPath}/var/run/docker.sock: version ", list.Stderr, StringComparison.Ordinal);

        var result = await CfirProcess.RunAsync(["collect", $"{dind.Name}/{inner.Name}", .. CfirProcess.DockerFlags, "--filesystem", "none", "-f", "tar", "-o", archive], environment: null);

        await NestedCollectTests.NothingOfFailedAsync(result, archive, dind.Id);
        var members = await ArchiveTools.ListAsync(archive);
        string folder = $"containers/docker/-/{dind.Name}_{dind.Id[..12]}/nested/docker/-/{inner.Name}_{inner.Id[..12]}/";
        Assert.Contains(folder + "metadata/inspect.json", members);
        Assert.Contains(folder + "volatile/processes.json", members);
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        var descent = acquisition.GetProperty("nested").GetProperty("descents").EnumerateArray()
            .Single(d => d.GetProperty("runtime").GetString() == "docker" && d.GetProperty("depth").GetInt32() == 1);
        var sockets = descent.GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("id").GetString() == dind.Id).GetProperty("sockets").EnumerateArray().ToList();
        // /var/run is a link to /run inside: one socket, probed once, under the first name looked for.
        Assert.True(sockets.Single(s => s.GetProperty("path").GetString() == "/var/run/docker.sock").GetProperty("nested").GetBoolean());
        Assert.Contains("probed once", sockets.Single(s => s.GetProperty("path").GetString() == "/run/docker.sock").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task TheHostsDockerSocketMountedIntoAContainer_IsRecordedAndNotANestedRuntime()
    {
        // docker-outside-of-docker, as CI jobs run it: the host's socket bind-mounted in.
        string hostSocket = PlantedContainer.DockerHost["unix://".Length..];
        string name = PlantedContainer.NewName();
        string id = await ProcessRunner.CheckedAsync("docker", "-H", PlantedContainer.DockerHost, "run", "-d", "--name", name, "--network", "none",
            "-v", $"{hostSocket}:/var/run/docker.sock", RigEnvironment.Image, "sleep", "600");
        try
        {
            var result = await CfirProcess.RunAsync(["list", "--json", .. CfirProcess.DockerFlags], environment: null);

            Assert.True(result.ExitCode == 0, result.Describe());
            using var doc = JsonDocument.Parse(result.Stdout);
            var runtimes = doc.RootElement.EnumerateArray().ToList();
            Assert.DoesNotContain(runtimes, r => r.TryGetProperty("nestedIn", out var chain) && chain.ValueKind == JsonValueKind.Array && chain[0].GetProperty("containerId").GetString() == id);
            var docker = Assert.Single(runtimes, r => r.GetProperty("runtime").GetString() == "docker" && r.GetProperty("answered").GetBoolean() && r.GetProperty("nestedIn").ValueKind == JsonValueKind.Null);
            var looked = Assert.Single(docker.GetProperty("descent").GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
            var socket = Assert.Single(looked.GetProperty("sockets").EnumerateArray(), s => s.GetProperty("path").GetString() == "/var/run/docker.sock");
            Assert.True(socket.GetProperty("answered").GetBoolean(), socket.ToString());
            Assert.False(socket.GetProperty("nested").GetBoolean());
            Assert.Equal("thishost", socket.GetProperty("locality").GetString());
            Assert.Contains("the host's socket mounted into the container", socket.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await ProcessRunner.RunAsync("docker", ["-H", PlantedContainer.DockerHost, "rm", "-f", name]);
        }
    }
}
