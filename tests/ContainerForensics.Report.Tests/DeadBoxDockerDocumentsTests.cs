using System.Text.Json;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>
/// A dead-box Docker container has no inspect.json: its record (config.v2.json) and
/// hostconfig.json, as dockerd keeps them, give its state and privileges, and the container rules
/// point at them. A container with none of these documents has unknown privileges: no container
/// rule fires (and none throws for want of evidence).
/// </summary>
public sealed class DeadBoxDockerDocumentsTests
{
    private const string Folder = "containers/docker/-/web_0123456789ab";

    [Fact]
    public void A_privileged_record_gives_the_privilege_findings_pointing_at_hostconfig_and_the_record()
    {
        var c = new ContainerSummary("docker", Folder) { InspectPath = Folder + "/metadata/files/config.v2.json", HostConfigPath = Folder + "/metadata/files/hostconfig.json" };
        using (var record = JsonDocument.Parse("""
            {"ID":"0123456789ab","Name":"/web","Config":{"User":"","Image":"busybox"},
             "State":{"Running":false,"Paused":false,"Dead":false,"StartedAt":"2026-12-07T08:00:00.1Z","FinishedAt":"2026-12-07T08:01:00Z","ExitCode":137},
             "MountPoints":{"/host":{"Source":"/","Destination":"/host","Type":"bind"},"/data":{"Source":"/var/lib/docker/volumes/v/_data","Type":"volume"}}}
            """))
        {
            ContainerDocuments.FromDockerRecord(record.RootElement, c);
        }
        using (var host = JsonDocument.Parse("""{"Privileged":true,"PidMode":"host","NetworkMode":"none","CapAdd":["SYS_PTRACE"],"Binds":["/var/run/docker.sock:/var/run/docker.sock"]}"""))
        {
            ContainerDocuments.FromHostConfig(host.RootElement, c);
        }
        Assert.Equal(("web", "exited", 137L), (c.Name, c.State, c.ExitCode));
        Assert.Equal(["/", "/var/run/docker.sock"], c.HostMounts.Order(StringComparer.Ordinal));
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        foreach (string id in new[] { "CFIR-CTR-PRIVILEGED", "CFIR-CTR-DOCKER-SOCKET", "CFIR-CTR-HOST-NAMESPACES", "CFIR-CTR-ROOT" })
        {
            var f = Assert.Single(findings, x => x.Id == id);
            Assert.Equal([c.HostConfigPath, c.InspectPath], f.Evidence.Select(e => e.Path));
        }
    }

    [Fact]
    public void A_record_never_started_is_created()
    {
        var c = new ContainerSummary("docker", Folder);
        using var record = JsonDocument.Parse("""{"State":{"Running":false,"StartedAt":"0001-01-01T00:00:00Z"}}""");
        ContainerDocuments.FromDockerRecord(record.RootElement, c);
        Assert.Equal("created", c.State);
    }

    [Fact]
    public void A_container_without_any_privilege_document_matches_no_container_rule()
    {
        var c = new ContainerSummary("podman", "containers/podman/-/x_0123456789ab");
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        Assert.Empty(findings);
    }
}
