using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.TestSupport.DeadBox;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// A data root copied after a clean stop of its daemon, found the way a responder's copy is found
/// (the image's own /etc/docker/daemon.json names it), with the remnants an interrupted removal or
/// an intruder leaves: a container folder whose record is gone, a removed container's layers, a
/// layer nothing refers to. Each is listed and collected as a remnant container, with why.
/// </summary>
public sealed class DeadBoxDockerRemnantTests(ITestOutputHelper output)
{
    [DeadBoxDockerFact]
    public async Task Remnants_no_record_owns_are_remnant_containers_with_their_logs_and_layers()
    {
        await using var box = await DeadBoxDocker.StartAsync();
        await box.LoadImageAsync();
        string kept = await box.RunAsync("kept", "echo kept-line; echo kept > /tmp/kept-file; exec sleep 100000");
        string noRecord = await box.RunAsync("no-record", "echo norecord-line");
        string layersOnly = await box.RunAsync("layers-only", "echo layer-planted > /root/planted-in-layer");
        string unreferenced = await box.RunAsync("unreferenced", "echo unref > /unref-file");
        await box.WaitForLogAsync(kept, "kept-line");
        foreach (var id in (string[])[noRecord, layersOnly, unreferenced])
        {
            await box.WaitForStateAsync(id, "exited");
        }
        await box.StopDaemonAsync();

        using var dir = new TempDirectory();
        string copy = await box.CopyAsync(dir["image"]);
        string data = Path.Join(copy, box.DataRoot);
        Directory.CreateDirectory(Path.Join(copy, "etc/docker"));
        await File.WriteAllTextAsync(Path.Join(copy, "etc/docker/daemon.json"), JsonSerializer.Serialize(new Dictionary<string, string> { ["data-root"] = box.DataRoot }));
        // The remnants: a record destroyed; a container folder removed with its layers left; a layer no one names.
        File.Delete(Path.Join(data, "containers", noRecord, "config.v2.json"));
        Directory.Delete(Path.Join(data, "containers", layersOnly), recursive: true);
        string orphanLayer = (await File.ReadAllTextAsync(Path.Join(data, "image/overlay2/layerdb/mounts", unreferenced, "mount-id"))).Trim();
        Directory.Delete(Path.Join(data, "containers", unreferenced), recursive: true);
        Directory.Delete(Path.Join(data, "image/overlay2/layerdb/mounts", unreferenced), recursive: true);

        string archive = dir["remnants.tar"];
        var run = await CfirProcess.RunAsync(["collect", "--root", copy, "--runtime", "docker", "-f", "tar", "-o", archive, "--json"], environment: null);
        output.WriteLine(run.Stderr);
        Assert.True(run.ExitCode == (int)ExitCode.Complete, run.Describe());

        using var summary = JsonDocument.Parse(run.StdoutText);
        var containers = summary.RootElement.GetProperty("containers").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => (Name: c.GetProperty("name").GetString(), State: c.GetProperty("state").GetString()));
        Assert.Equal(("kept", "exited"), containers[kept]);
        Assert.Equal(("remnant", "removed"), containers[noRecord]);
        Assert.Equal(("remnant", "removed"), containers[layersOnly]);
        Assert.Equal(("remnant", "removed"), containers[orphanLayer]);
        Assert.Equal(4, containers.Count);

        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        var docker = Assert.Single(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("answered").GetBoolean());
        Assert.Equal(data, docker.GetProperty("endpoint").GetString());

        var manifest = EvidenceArchiveReader.ReadManifest(archive).ToList();
        string Folder(string name, string id) => $"containers/docker/-/{name}_{id[..12]}";
        async Task<string> Text(string member) => Encoding.UTF8.GetString(await ArchiveTools.ReadMemberAsync(archive, member));

        // Each remnant says why it is one, and what is left of it is collected.
        string noRecordFolder = Folder("remnant", noRecord);
        Assert.Contains("no container record that can be read", await Text(noRecordFolder + "/metadata/remnant.json"), StringComparison.Ordinal);
        Assert.Contains("norecord-line", await Text($"{noRecordFolder}/logs/files/{noRecord}-json.log"), StringComparison.Ordinal);
        Assert.Contains(manifest, l => l.Path == noRecordFolder + "/metadata/files/hostconfig.json");
        string layersFolder = Folder("remnant", layersOnly);
        Assert.Contains("containers/" + layersOnly + " is gone", await Text(layersFolder + "/metadata/remnant.json"), StringComparison.Ordinal);
        Assert.Equal("layer-planted\n", await Text(layersFolder + "/filesystem/changed/root/planted-in-layer"));
        Assert.Contains(manifest, l => l.Path == layersFolder + "/logs/files" && l.Status == "absent");
        string layerFolder = Folder("remnant", orphanLayer);
        Assert.Contains("no image layer", await Text(layerFolder + "/metadata/remnant.json"), StringComparison.Ordinal);
        Assert.Equal("unref\n", await Text(layerFolder + "/filesystem/changed/unref-file"));
        Assert.Equal("kept\n", await Text(Folder("kept", kept) + "/filesystem/changed/tmp/kept-file"));

        var listing = await ArchiveTools.ReadJsonMemberAsync(archive, "runtimes/docker/metadata/containers.json");
        var orphaned = listing.GetProperty("containers").EnumerateArray().Where(c => c.TryGetProperty("remnant", out _)).Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(new[] { noRecord, layersOnly, orphanLayer }.Order(StringComparer.Ordinal), orphaned.Order(StringComparer.Ordinal));

        // list --root shows them too.
        var list = await CfirProcess.RunAsync(["list", "--root", copy, "--runtime", "docker", "--json"], environment: null);
        Assert.Equal(0, list.ExitCode);
        using var listed = JsonDocument.Parse(list.StdoutText);
        var states = listed.RootElement.EnumerateArray().SelectMany(r => r.GetProperty("containers").EnumerateArray())
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("state").GetString());
        Assert.Equal(containers.ToDictionary(c => c.Key, c => (string?)c.Value.State).OrderBy(c => c.Key, StringComparer.Ordinal), states.OrderBy(c => c.Key, StringComparer.Ordinal));
    }
}
