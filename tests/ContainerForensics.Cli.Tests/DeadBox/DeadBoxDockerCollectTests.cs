using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.TestSupport.DeadBox;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// Dead-box Docker through the real CLI: a private dockerd's containers are collected live, its
/// data root is copied while it runs (a crash-consistent image, as a snapshot of a live disk
/// is), and the copy is collected with <c>--root</c>. Both archives are read back with the
/// archive reader and compared: the same containers, the on-disk config against the daemon's
/// inspect, the same log bytes, the same file hashes in the writable layer, the merged view and
/// the volume; the local driver's decoded lines against <c>docker logs -t</c>.
/// </summary>
public sealed class DeadBoxDockerCollectTests(DeadBoxDockerScenario scenario, ITestOutputHelper output) : IClassFixture<DeadBoxDockerScenario>
{
    [DeadBoxDockerFact]
    public async Task A_copy_of_a_running_data_root_holds_what_the_live_collection_of_the_same_containers_holds()
    {
        var box = scenario.Box!;
        using var dir = new TempDirectory();
        string live = dir["live.tar"];
        // The rig's own dockerd answers too (every candidate socket is probed): the label keeps its containers out.
        var liveRun = await CfirProcess.RunAsync(["collect", "--label", scenario.Label, "--runtime", "docker", "--docker-host", box.Endpoint, "--filesystem", "full", "--volumes", "-f", "tar", "-o", live, "--json"], environment: null);
        Assert.True(liveRun.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, liveRun.Describe());
        string copy = await box.CopyAsync(dir["image"]);
        string offline = dir["offline.tar"];
        var offlineRun = await CfirProcess.RunAsync(["collect", "--root", copy, "--docker-root", box.DataRoot, "--runtime", "docker", "--filesystem", "full", "--volumes", "-f", "tar", "-o", offline, "--json"], environment: null);
        output.WriteLine(offlineRun.Stderr);
        Assert.True(offlineRun.ExitCode == (int)ExitCode.Complete, offlineRun.Describe());
        Assert.Equal(0, (await CfirProcess.RunAsync("verify", offline)).ExitCode);

        // The report reads the offline archive as it reads a live one: each container's state and
        // privileges, from config.v2.json and hostconfig.json instead of inspect, equal the live ones.
        Assert.Contains("cfir: findings: ", offlineRun.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("cfir: findings: the archive could not be read", offlineRun.Stderr, StringComparison.Ordinal);
        var liveReport = await ReportContainersAsync(live);
        var offlineReport = await ReportContainersAsync(offline);
        Assert.Equal(scenario.Ids.Order(StringComparer.Ordinal), offlineReport.Keys.Order(StringComparer.Ordinal));
        foreach (string id in scenario.Ids)
        {
            Assert.Equal(liveReport[id], offlineReport[id]);
        }

        // The same containers, by id and name; the removed one in neither.
        var liveContainers = Containers(liveRun.StdoutText);
        var offlineContainers = Containers(offlineRun.StdoutText);
        Assert.Equal(scenario.Ids.Order(StringComparer.Ordinal), liveContainers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(liveContainers.Keys.Order(StringComparer.Ordinal), offlineContainers.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, (name, _)) in liveContainers)
        {
            Assert.Equal(name, offlineContainers[id].Name);
        }
        Assert.Equal("running", offlineContainers[scenario.Running].State);
        Assert.Equal("paused", offlineContainers[scenario.Paused].State);
        Assert.Equal("exited", offlineContainers[scenario.Stopped].State);
        Assert.Equal("created", offlineContainers[scenario.Created].State);

        // Nothing of this machine's own engines: only the copy's data root answered.
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(offline, "acquisition/acquisition.json");
        var answered = acquisition.GetProperty("runtimes").EnumerateArray().Where(r => r.GetProperty("answered").GetBoolean()).ToList();
        Assert.Equal(Path.Join(copy, box.DataRoot), Assert.Single(answered).GetProperty("endpoint").GetString());
        Assert.Equal("diskimage", answered[0].GetProperty("locality").GetString());

        var liveManifest = EvidenceArchiveReader.ReadManifest(live).ToList();
        var offlineManifest = EvidenceArchiveReader.ReadManifest(offline).ToList();
        var differences = new List<string>();
        foreach (var (id, (name, _)) in liveContainers)
        {
            string folder = $"containers/docker/-/{name}_{id[..12]}";
            // The on-disk record says what the daemon's inspect said.
            var inspect = await ArchiveTools.ReadJsonMemberAsync(live, folder + "/metadata/inspect.json");
            var config = await ArchiveTools.ReadJsonMemberAsync(offline, folder + "/metadata/files/config.v2.json");
            var hostConfig = await ArchiveTools.ReadJsonMemberAsync(offline, folder + "/metadata/files/hostconfig.json");
            foreach (var (what, fromInspect, fromDisk) in (ReadOnlySpan<(string, JsonElement, JsonElement)>)[
                ("Id", inspect.GetProperty("Id"), config.GetProperty("ID")),
                ("Name", inspect.GetProperty("Name"), config.GetProperty("Name")),
                ("Image", inspect.GetProperty("Image"), config.GetProperty("Image")),
                ("Created", inspect.GetProperty("Created"), config.GetProperty("Created")),
                .. ((string[])["Hostname", "Image", "Env", "Cmd", "Entrypoint", "Labels", "WorkingDir", "User", "Tty"]).Select(f =>
                    ("Config." + f, inspect.GetProperty("Config").GetProperty(f), config.GetProperty("Config").GetProperty(f))),
                ("HostConfig.LogConfig", inspect.GetProperty("HostConfig").GetProperty("LogConfig"), hostConfig.GetProperty("LogConfig")),
                .. ((string[])["Running", "Paused", "Restarting", "Dead", "Pid", "ExitCode", "StartedAt", "FinishedAt"]).Select(f =>
                    ("State." + f, inspect.GetProperty("State").GetProperty(f), config.GetProperty("State").GetProperty(f)))])
            {
                // Values, not bytes: the API and the file escape '<', '>' and '&' differently.
                if (!JsonElement.DeepEquals(fromInspect, fromDisk))
                {
                    differences.Add($"{name} {what}: inspect {fromInspect.GetRawText()}, config.v2.json {fromDisk.GetRawText()}");
                }
            }
            // The daemon names a json-file log path as soon as the container exists; the record
            // on disk gets it when the log is first opened, at the first start.
            Assert.Equal(id == scenario.Created || id == scenario.Local ? "" : inspect.GetProperty("LogPath").GetString(), config.GetProperty("LogPath").GetString());
            // The log file on disk, byte for byte.
            if (id != scenario.Local && id != scenario.Created)
            {
                string log = $"{folder}/logs/files/{id}-json.log";
                Assert.Equal(Hash(liveManifest, log), Hash(offlineManifest, log));
            }
            // The whole filesystem: every regular file with the same content (live: the merged
            // directory of a running container, /export of the others; here: the layers merged).
            var liveFull = Files(liveManifest, folder + "/filesystem/full/");
            var offlineFull = Files(offlineManifest, folder + "/filesystem/full/");
            Assert.Equal(liveFull, offlineFull);
            Assert.Equal(liveFull["bin/busybox"], offlineFull["bin/busybox"]);
        }
        Assert.Empty(differences);
        string running = $"containers/docker/-/running_{scenario.Running[..12]}";
        Assert.Equal("planted-secret\n", Encoding.UTF8.GetString(await ArchiveTools.ReadMemberAsync(offline, running + "/filesystem/full/tmp/planted")));
        var runningFull = Files(offlineManifest, running + "/filesystem/full/");
        Assert.DoesNotContain("etc/hosts.allow", runningFull.Keys);
        Assert.DoesNotContain(runningFull.Keys, k => k.StartsWith("usr/local/", StringComparison.Ordinal));
        Assert.Equal(["opt/fresh/f"], runningFull.Keys.Where(k => k.StartsWith("opt/", StringComparison.Ordinal)));
        Assert.Equal(Files(liveManifest, $"{running}/volumes/"), Files(offlineManifest, $"{running}/volumes/"));
        Assert.Contains("inside-volume", Files(offlineManifest, $"{running}/volumes/").Keys.Single(k => k.EndsWith("inside-volume", StringComparison.Ordinal)));
        string stopped = $"containers/docker/-/stopped_{scenario.Stopped[..12]}";
        string stoppedLog = Encoding.UTF8.GetString(await ArchiveTools.ReadMemberAsync(offline, $"{stopped}/logs/files/{scenario.Stopped}-json.log"));
        Assert.All(["stopped-line-1", "stopped-line-2", "stopped-line-3", "stopped-err"], line => Assert.Contains(line, stoppedLog, StringComparison.Ordinal));

        // The local driver's records, decoded, are the lines docker logs -t shows.
        string local = $"containers/docker/-/local_{scenario.Local[..12]}";
        var records = (await ArchiveTools.ReadJsonLinesAsync(offline, local + "/logs/local-parsed.jsonl")).ToList();
        Assert.Equal(scenario.LocalLogs.Stdout, Rendered(records, "stdout", scenario.LastPieceEndsLine));
        Assert.Equal(scenario.LocalLogs.Stderr, Rendered(records, "stderr", scenario.LastPieceEndsLine));
        Assert.Contains(records, r => r.GetProperty("partial").GetBoolean());
        var report = await ArchiveTools.ReadJsonMemberAsync(offline, local + "/logs/local-parsed-report.json");
        Assert.All(report.GetProperty("files").EnumerateArray(), f => Assert.Equal(JsonValueKind.Null, f.GetProperty("error").ValueKind));
    }

    [DeadBoxDockerFact]
    public async Task The_writable_layer_of_the_copy_is_the_live_writable_layer()
    {
        var box = scenario.Box!;
        using var dir = new TempDirectory();
        string live = dir["live.tar"];
        var liveRun = await CfirProcess.RunAsync(["collect", "--label", scenario.Label, "--runtime", "docker", "--docker-host", box.Endpoint, "-f", "tar", "-o", live], environment: null);
        Assert.True(liveRun.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, liveRun.Describe());
        string copy = await box.CopyAsync(dir["image"]);
        string offline = dir["offline.tar"];
        var offlineRun = await CfirProcess.RunAsync(["collect", "running", "--root", copy, "--docker-root", box.DataRoot, "-f", "tar", "-o", offline], environment: null);
        output.WriteLine(offlineRun.Stderr);
        Assert.True(offlineRun.ExitCode == (int)ExitCode.Complete, offlineRun.Describe());

        string folder = $"containers/docker/-/running_{scenario.Running[..12]}/filesystem/changed/";
        var liveChanged = EvidenceArchiveReader.ReadManifest(live).Where(l => l.Path!.StartsWith(folder, StringComparison.Ordinal)).ToDictionary(l => l.Path!, l => (l.Kind, l.Sha256));
        var offlineChanged = EvidenceArchiveReader.ReadManifest(offline).Where(l => l.Path!.StartsWith(folder, StringComparison.Ordinal)).ToDictionary(l => l.Path!, l => (l.Kind, l.Sha256));
        Assert.Equal(liveChanged.OrderBy(p => p.Key, StringComparer.Ordinal), offlineChanged.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal("whiteout", offlineChanged[folder + "etc/hosts.allow"].Kind);
        Assert.Equal("whiteout", offlineChanged[folder + "usr/local"].Kind);
        Assert.NotNull(offlineChanged[folder + "tmp/planted"].Sha256);
    }

    private static Dictionary<string, (string Name, string State)> Containers(string summary)
    {
        using var doc = JsonDocument.Parse(summary);
        return doc.RootElement.GetProperty("containers").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => (c.GetProperty("name").GetString()!, c.GetProperty("state").GetString()!));
    }

    private static string? Hash(List<ManifestLine> manifest, string path) => Assert.Single(manifest, l => l.Path == path).Sha256;

    /// <summary>Every regular file below a folder of the archive: its path below it, and its sha256.</summary>
    private static Dictionary<string, string> Files(List<ManifestLine> manifest, string folder) =>
        manifest.Where(l => l.Kind == "file" && l.Path!.StartsWith(folder, StringComparison.Ordinal) && l.Sha256 is not null)
            .ToDictionary(l => l.Path![folder.Length..], l => l.Sha256!);

    /// <summary>
    /// What docker logs -t prints of one stream: each record's time with nine digits, a space, its
    /// bytes, a newline where it ends a line (before Docker 23, not after the last piece of a long one).
    /// </summary>
    private static string Rendered(IEnumerable<JsonElement> records, string stream, bool lastPieceEndsLine)
    {
        var sb = new StringBuilder();
        foreach (var r in records.Where(r => r.GetProperty("stream").GetString() == stream))
        {
            sb.Append(r.GetProperty("time").GetString()).Append(' ').Append(r.GetProperty("text").GetString());
            if (r.GetProperty("endsLine").GetBoolean() && (lastPieceEndsLine || !r.GetProperty("partial").GetBoolean()))
            {
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>The containers of <c>cfir report --format json</c>, by id: what the report says of each, as one comparable line.</summary>
    private static async Task<Dictionary<string, string>> ReportContainersAsync(string archive)
    {
        var report = await CfirProcess.RunAsync("report", archive, "--format", "json", "-o", "-");
        Assert.True(report.ExitCode == 0, report.Describe());
        using var doc = JsonDocument.Parse(report.StdoutText);
        return doc.RootElement.GetProperty("containers").EnumerateArray().ToDictionary(
            c => c.GetProperty("id").GetString()!,
            c => string.Join(", ", new[] { "name", "image", "state", "privileged", "hostPid", "hostNetwork", "hostIpc", "runsAsRoot" }.Select(f => $"{f}={c.GetProperty(f)}")));
    }
}
