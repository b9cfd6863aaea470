using System.Text.Json;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>
/// A dead-box Podman container has no inspect.json: libpod's record of it
/// (<c>libpod-config.json</c>, with the OCI spec Podman gave the runtime, and
/// <c>libpod-state.json</c>) gives its state and privileges, and the container rules point at the
/// config. The documents below are trimmed from Podman 4.3's own records of
/// <c>podman run --cap-add SYS_ADMIN --cap-add SYS_PTRACE --pid host --security-opt
/// seccomp=unconfined -v /:/host:ro -v /run/podman/podman.sock:/run/podman/podman.sock</c> and of a
/// plain <c>podman run</c>, read back from <c>cfir collect --root /</c>.
/// </summary>
public sealed class DeadBoxPodmanDocumentsTests
{
    private const string Folder = "containers/podman/-/cfir-priv-probe_7d518a5ebfda";
    private const string ConfigPath = Folder + "/metadata/libpod-config.json";

    private const string Granted = """
        {"id":"7d518a5ebfda1f01a5cebf8a701be3b6a2ac4549cdcb0f917888a65013b37c86","name":"cfir-priv-probe",
         "rootfsImageID":"3e3b0f1b4b5d","rootfsImageName":"localhost/cfir-test/busybox:latest","RawImageName":"localhost/cfir-test/busybox:latest",
         "privileged":false,"userVolumes":["/host","/run/podman/podman.sock"],
         "spec":{"ociVersion":"1.0.2-dev",
          "process":{"user":{"uid":0,"gid":0},"args":["sleep","1000"],
           "capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_ADMIN","CAP_SYS_CHROOT","CAP_SYS_PTRACE"]}},
          "mounts":[{"destination":"/host","type":"bind","source":"/","options":["ro","rprivate","rbind"]},
           {"destination":"/run/podman/podman.sock","type":"bind","source":"/run/podman/podman.sock","options":["rw","rprivate","rbind"]},
           {"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]}],
          "linux":{"sysctl":{},"resources":{},"namespaces":[{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],"maskedPaths":["/proc/acpi"],"readonlyPaths":["/proc/asound"]}}}
        """;

    private const string Plain = """
        {"id":"8e2ca2671c8d13daf208b1d4875bcfee2650a34880f5e2679692c336dc33d58e","name":"cfir-default-probe","rootfsImageName":"localhost/cfir-test/busybox:latest","privileged":false,
         "spec":{"process":{"user":{"uid":0,"gid":0},
           "capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]}},
          "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]}],
          "linux":{"namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}}}}
        """;

    private static ContainerSummary Read(string config, string? state = null)
    {
        var c = new ContainerSummary("podman", Folder) { InspectPath = ConfigPath };
        using (var doc = JsonDocument.Parse(config))
        {
            LibpodDocuments.FromConfig(doc.RootElement, c);
        }
        if (state is not null)
        {
            using var doc = JsonDocument.Parse(state);
            LibpodDocuments.FromState(doc.RootElement, c);
        }
        return c;
    }

    [Fact]
    public void The_granted_container_gives_the_findings_its_live_inspect_gives_pointing_at_the_config()
    {
        var c = Read(Granted, """{"state":3,"startedTime":"2026-12-07T18:05:36.584421661Z","finishedTime":"0001-01-01T00:00:00Z","pid":12341}""");

        Assert.Equal(("cfir-priv-probe", "localhost/cfir-test/busybox:latest", "running"), (c.Name, c.Image, c.State));
        Assert.Equal("2026-12-07T18:05:36.584421661Z", c.StartedAt);
        Assert.Null(c.FinishedAt);
        Assert.False(c.Privileged);
        Assert.Equal((true, false, false), (c.HostPid, c.HostNetwork, c.HostIpc));
        Assert.Equal(["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"], c.CapAdd.Order(StringComparer.Ordinal));
        Assert.Equal(["/", "/run/podman/podman.sock"], c.HostMounts.Order(StringComparer.Ordinal));
        Assert.True(c.SeccompOff);
        Assert.False(c.SeccompAbsent);
        Assert.True(c.RunsAsRoot);

        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        Assert.Equal(
            ["CFIR-CTR-ADDED-CAPS", "CFIR-CTR-DOCKER-SOCKET", "CFIR-CTR-HOST-NAMESPACES", "CFIR-CTR-HOST-ROOT", "CFIR-CTR-ROOT", "CFIR-CTR-SECURITY-OFF"],
            findings.Select(f => f.Id).Order(StringComparer.Ordinal));
        Assert.All(findings, f => Assert.Equal([ConfigPath], f.Evidence.Select(e => e.Path)));
    }

    [Fact]
    public void A_plain_container_runs_as_root_and_nothing_more()
    {
        var c = Read(Plain, """{"state":6,"startedTime":"2026-12-07T18:10:00Z","finishedTime":"2026-12-07T18:10:01Z","exitCode":0}""");

        Assert.Equal(("exited", 0L), (c.State, c.ExitCode));
        Assert.Equal((false, false, false, false), (c.HostPid, c.HostNetwork, c.HostIpc, c.SeccompOff));
        Assert.Empty(c.CapAdd);
        Assert.Empty(c.HostMounts);
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        Assert.Equal(["CFIR-CTR-ROOT"], findings.Select(f => f.Id));
    }

    [Fact]
    public void Privileged_in_the_record_is_a_privileged_container()
    {
        var c = Read(Plain.Replace("\"privileged\":false", "\"privileged\":true", StringComparison.Ordinal));
        Assert.True(c.Privileged);
        Assert.Contains(FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00"), f => f.Id == "CFIR-CTR-PRIVILEGED");
    }

    [Theory]
    [InlineData(1, "created")]
    [InlineData(2, "created")]
    [InlineData(4, "exited")]
    [InlineData(5, "paused")]
    [InlineData(8, "running")]
    [InlineData(7, "removing")]
    [InlineData(42, "unknown")]
    public void The_state_is_named_as_a_live_inspect_names_it(int state, string name)
    {
        var c = Read(Plain, $$"""{"state":{{state}}}""");
        Assert.Equal(name, c.State);
    }

    [Fact]
    public void Wrong_types_claim_nothing()
    {
        var c = Read("""{"name":7,"privileged":"yes","spec":[]}""", """{"state":"running","exitCode":"0"}""");
        Assert.Equal((null, false, null, null), (c.Name, c.Privileged, c.State, c.ExitCode));
        Assert.Empty(c.HostMounts);
    }
}
