using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary><c>cfir collect --runtime podman</c> against the rig's Podman API service.</summary>
public sealed class PodmanCollectTests
{
    [EngineFact(Engine.Podman)]
    public async Task Collect_OnePodmanContainer_VerifiesAndHoldsItsInspect()
    {
        await using var container = await PlantedContainer.PodmanAsync();
        using var dir = new TempDirectory();
        string archive = dir["p.tar.gz"];

        var result = await CfirProcess.RunAsync(["collect", container.Name, "--runtime", "podman", "-o", archive], CfirProcess.PodmanEnvironment);

        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        await ArchiveTools.ExtractAndCheckSumsAsync(archive, dir["x"], gzip: true);
        string inspect = $"containers/podman/-/{container.Name}_{container.Id[..12]}/metadata/inspect.json";
        Assert.Contains(inspect, await ArchiveTools.ListAsync(archive));
        var doc = await ArchiveTools.ReadJsonMemberAsync(archive, inspect);
        Assert.Equal(container.Id, doc.GetProperty("Id").GetString());
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        Assert.Contains(acquisition.GetProperty("runtimes").EnumerateArray(), p => p.GetProperty("name").GetString() == "podman" && p.GetProperty("answered").GetBoolean());
    }
}
