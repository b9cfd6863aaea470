using System.Text.Json;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>
/// A namespace a container's process shares with the host, by processes.json (each process's
/// <c>namespaces</c> against <c>hostNamespaces</c>), counts whatever the engine's inspect says:
/// Podman 4.3's says <c>IpcMode: shareable</c> of a container run with <c>--ipc host</c>. The
/// finding then says where it was seen and rests on processes.json too.
/// </summary>
public sealed class HostNamespacesSeenTests
{
    private const string Folder = "containers/podman/-/ipc_0123456789ab";
    private const string Inspect = Folder + "/metadata/inspect.json";
    private const string Processes = Folder + "/volatile/processes.json";

    private const string HostPart = """
        "hostNamespaces":{"from":"/proc/self/ns","namespaces":{"ipc":"ipc:[4026531839]","net":"net:[4026531833]","pid":"pid:[4026531836]"}},
        """;

    private static string ProcessesJson(string ipc, string net, bool withHost = true) =>
        "{\"initPid\":4242,\"selectedBy\":\"pid namespace\"," + (withHost ? HostPart : "")
        + $$$"""
        "processes":[{"pid":4242,"uid":{"effective":1000},"namespaces":{"ipc":"{{{ipc}}}","net":"{{{net}}}","pid":"pid:[4026532177]"}}]}
        """;

    private static ContainerSummary Read(string processes)
    {
        var c = new ContainerSummary("podman", Folder) { InspectPath = Inspect, ProcessesPath = Processes };
        // The archive's order: volatile (processes.json) before metadata (inspect.json).
        using (var doc = JsonDocument.Parse(processes))
        {
            ContainerDocuments.FromProcesses(doc.RootElement, c);
        }
        using (var doc = JsonDocument.Parse("""{"Name":"/ipc","Id":"0123456789ab","Config":{"User":"1000"},"HostConfig":{"IpcMode":"shareable","PidMode":"private","NetworkMode":"none"}}"""))
        {
            ContainerDocuments.FromInspect(doc.RootElement, c);
        }
        return c;
    }

    [Fact]
    public void The_hosts_ipc_namespace_seen_in_proc_is_a_finding_the_inspect_would_have_hidden()
    {
        var c = Read(ProcessesJson("ipc:[4026531839]", "net:[4026532178]"));

        Assert.False(c.HostIpc); // what the engine said
        Assert.True(c.SharesHostIpc);
        Assert.False(c.SharesHostNetwork || c.SharesHostPid);
        var f = Assert.Single(FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00"), x => x.Id == "CFIR-CTR-HOST-NAMESPACES");
        Assert.Contains("IPC (seen in /proc", f.Detail, StringComparison.Ordinal);
        Assert.Equal([Inspect, Processes], f.Evidence.Select(e => e.Path));
    }

    [Fact]
    public void Namespaces_of_its_own_or_no_host_namespaces_in_the_document_claim_nothing()
    {
        foreach (var c in new[] { Read(ProcessesJson("ipc:[4026532176]", "net:[4026532178]")), Read(ProcessesJson("ipc:[4026531839]", "net:[4026531833]", withHost: false)) })
        {
            Assert.Empty(c.HostNamespacesSeen);
            Assert.DoesNotContain(FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00"), x => x.Id == "CFIR-CTR-HOST-NAMESPACES");
            Assert.Equal([Inspect], c.PrivilegeEvidence);
        }
    }

    [Fact]
    public void What_the_engine_says_stays_said_without_the_proc_note()
    {
        var c = Read(ProcessesJson("ipc:[4026532176]", "net:[4026531833]"));
        using (var doc = JsonDocument.Parse("""{"HostConfig":{"NetworkMode":"host"}}"""))
        {
            ContainerDocuments.FromInspect(doc.RootElement, c);
        }
        var f = Assert.Single(FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00"), x => x.Id == "CFIR-CTR-HOST-NAMESPACES");
        Assert.Equal("host namespaces: network", f.Detail);
        Assert.Equal([Inspect], f.Evidence.Select(e => e.Path)); // /proc agrees, and adds nothing the inspect did not say
    }
}
