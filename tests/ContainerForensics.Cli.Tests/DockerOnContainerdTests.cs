using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// The rig's dockerd runs on the rig's containerd (namespace moby), so with both runtimes
/// selected a Docker container is listed twice, under the same id. It must be collected once,
/// from Docker, with containerd's listing recorded.
/// </summary>
public sealed class DockerOnContainerdTests
{
    [EnginesFact(Engine.Docker, Engine.Containerd)]
    public async Task Collect_DockerContainerSeenByBothRuntimes_IsCollectedOnceFromDocker()
    {
        await using var container = await PlantedContainer.DockerAsync();
        using var dir = new TempDirectory();
        string archive = dir["d.tar"];
        string[] runtimes =
        [
            "--runtime", "docker", "--docker-host", PlantedContainer.DockerHost,
            "--runtime", "containerd", "--containerd-address", PlantedContainer.ContainerdAddress,
        ];

        // By id prefix, which matches the Docker container and containerd's moby container alike.
        var result = await CfirProcess.RunAsync(["collect", container.Id[..12], .. runtimes, "--filesystem", "none", "-f", "tar", "-o", archive], environment: null);

        Assert.True(result.ExitCode == (int)ExitCode.Complete, result.Describe());
        var members = await ArchiveTools.ListAsync(archive);
        Assert.DoesNotContain(members, m => m.StartsWith("containers/containerd/", StringComparison.Ordinal));
        string sightings = Assert.Single(members, m => m.StartsWith($"containers/docker/-/{container.Name}_{container.Id[..12]}/", StringComparison.Ordinal)
            && m.EndsWith("/metadata/also-listed-by.json", StringComparison.Ordinal));
        var doc = await ArchiveTools.ReadJsonMemberAsync(archive, sightings);
        Assert.Equal("docker", doc.GetProperty("collectedFrom").GetProperty("runtime").GetString());
        var seen = Assert.Single(doc.GetProperty("alsoListedBy").EnumerateArray());
        Assert.Equal("containerd", seen.GetProperty("runtime").GetString());
        Assert.Equal("moby", seen.GetProperty("namespace").GetString());
        Assert.Equal(container.Id, seen.GetProperty("id").GetString());
        // Docker's own evidence is all there: inspect and the host-side process view.
        Assert.Contains(members, m => m.StartsWith($"containers/docker/-/{container.Name}_", StringComparison.Ordinal) && m.EndsWith("/metadata/inspect.json", StringComparison.Ordinal));

        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
    }

    [EnginesFact(Engine.Docker, Engine.Containerd)]
    public async Task Collect_OnlyContainerdSelected_CollectsDockersContainerFromContainerd()
    {
        await using var container = await PlantedContainer.DockerAsync();
        using var dir = new TempDirectory();
        string archive = dir["c.tar"];

        var result = await CfirProcess.RunAsync(["collect", container.Id[..12], "--runtime", "containerd", "--containerd-address", PlantedContainer.ContainerdAddress,
            "--containerd-namespace", "moby", "--filesystem", "none", "-f", "tar", "-o", archive], environment: null);

        Assert.True(result.ExitCode == (int)ExitCode.Complete, result.Describe());
        var members = await ArchiveTools.ListAsync(archive);
        // Nothing to fold with: containerd's view is the only one, and it is collected.
        Assert.Contains(members, m => m.StartsWith($"containers/containerd/moby/{container.Id[..12]}", StringComparison.Ordinal) && m.EndsWith("/metadata/spec.json", StringComparison.Ordinal));
        Assert.DoesNotContain(members, m => m.EndsWith("/also-listed-by.json", StringComparison.Ordinal));
    }
}
