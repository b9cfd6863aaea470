using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// A dead-box Podman container's privileges come from libpod's record of it (the config, with the
/// OCI spec Podman gave the runtime): a container of the rig's Podman given CAP_SYS_PTRACE, the
/// host's PID namespace, seccomp unconfined and the host's root read-only is collected live
/// (Podman's inspect) and from its data root on disk (<c>--root /</c>, the same storage the rig's
/// Podman uses, read without it), and the report says the same of both. (Not the host's IPC
/// namespace: Podman 4.3's inspect says <c>IpcMode: shareable</c> for <c>--ipc host</c>; the
/// live report sees it in /proc instead, ReportTests.)
/// </summary>
public sealed class PodmanDeadBoxPrivilegesTests
{
    private static readonly string[] Fields = ["privileged", "hostPid", "hostNetwork", "hostIpc", "runsAsRoot"];

    [EngineFact(Engine.Podman)]
    public async Task A_granted_containers_report_from_its_record_on_disk_is_that_of_its_live_inspect()
    {
        string name = PlantedContainer.NewName();
        string id = await ProcessRunner.CheckedAsync("podman", "--remote", "--url", PlantedContainer.PodmanHost, "run", "-d", "--network", "none", "--name", name,
            "--cap-add", "SYS_PTRACE", "--pid", "host", "--security-opt", "seccomp=unconfined", "-v", "/:/host:ro", RigEnvironment.Image, "sleep", "3600");
        try
        {
            using var dir = new TempDirectory();
            string live = dir["live.tar"];
            string dead = dir["dead.tar"];
            var liveRun = await CfirProcess.RunAsync(["collect", name, "--runtime", "podman", "--filesystem", "none", "-f", "tar", "-o", live, "-q"], CfirProcess.PodmanEnvironment);
            Assert.True(liveRun.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, liveRun.Describe());
            var deadRun = await CfirProcess.RunAsync(["collect", name, "--root", "/", "--runtime", "podman", "--filesystem", "none", "-f", "tar", "-o", dead, "-q"], environment: null);
            Assert.True(deadRun.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, deadRun.Describe());

            var (liveContainer, liveFindings) = await ReportAsync(live, id);
            var (deadContainer, deadFindings) = await ReportAsync(dead, id);

            Assert.Equal(Fields.Select(f => $"{f}={liveContainer.GetProperty(f)}"), Fields.Select(f => $"{f}={deadContainer.GetProperty(f)}"));
            Assert.Equal(name, deadContainer.GetProperty("name").GetString());
            Assert.Equal("running", liveContainer.GetProperty("state").GetString());
            Assert.Equal("running", deadContainer.GetProperty("state").GetString());
            string[] expected = ["CFIR-CTR-ADDED-CAPS", "CFIR-CTR-HOST-NAMESPACES", "CFIR-CTR-HOST-ROOT", "CFIR-CTR-ROOT", "CFIR-CTR-SECURITY-OFF"];
            Assert.Equal(expected, liveFindings.Select(f => f.Id));
            Assert.Equal(expected, deadFindings.Select(f => f.Id));
            string config = deadContainer.GetProperty("folder").GetString() + "/metadata/libpod-config.json";
            Assert.All(deadFindings, f => Assert.Equal([config], f.Evidence));
        }
        finally
        {
            await ProcessRunner.RunAsync("podman", ["--remote", "--url", PlantedContainer.PodmanHost, "rm", "-f", "-t", "0", name]);
        }
    }

    /// <summary>The report's container of that id, and its container findings (CFIR-CTR-*) in id order with their evidence paths.</summary>
    private static async Task<(JsonElement Container, List<(string Id, string[] Evidence)> Findings)> ReportAsync(string archive, string id)
    {
        var report = await CfirProcess.RunAsync("report", archive, "-f", "json", "-o", "-");
        Assert.True(report.ExitCode == 0, report.Describe());
        using var doc = JsonDocument.Parse(report.StdoutText);
        var container = Assert.Single(doc.RootElement.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == id).Clone();
        string folder = container.GetProperty("folder").GetString()!;
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("container").GetString() == folder && f.GetProperty("id").GetString()!.StartsWith("CFIR-CTR-", StringComparison.Ordinal))
            .Select(f => (f.GetProperty("id").GetString()!, f.GetProperty("evidence").EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToArray()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)
            .ToList();
        return (container, findings);
    }
}
