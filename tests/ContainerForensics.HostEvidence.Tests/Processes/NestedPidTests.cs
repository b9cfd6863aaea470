using System.Globalization;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.HostEvidence.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>
/// A nested runtime (containerd in a kind node) reports its pids in its own pid namespace. The
/// collector reads /proc only for the host pid NSpid proves to be that pid there, and reads
/// nothing when no host process can be proven to be it. The nested "runtime" here is a real
/// process in its own pid namespace on this host (pid 1 inside) and a fake runtime that says so.
/// </summary>
public sealed class NestedPidTests
{
    [Fact]
    public async Task The_pid_a_nested_runtime_reports_is_translated_and_that_process_is_collected()
    {
        using var nested = await PidNamespaceProcess.StartAsync("sleep", "6001");
        var runtime = new FakeRuntime(RuntimeLocality.Nested(nested.HostPid, nested.PidNamespace, "test: a runtime in that namespace"), FakeRuntime.Running("cfir-test-nested", 1));
        var sink = new RecordingSink();

        await new HostProcessCollector().CollectAsync(runtime.Containers[0], runtime, sink, new CollectionOptions(), CancellationToken.None);

        string pid = nested.HostPid.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("sleep\06001\0"u8.ToArray(), sink[$"processes/{pid}/cmdline"].Content);
        Assert.Equal(EntryStatus.Collected, sink[$"processes/{pid}/exe"].Status);
        Assert.EndsWith("/sleep", System.Text.Encoding.UTF8.GetString(sink[$"processes/{pid}/exe-target"].Item.Metadata.LinkTarget!), StringComparison.Ordinal);
        Assert.Empty(sink.Under("processes/1/"));
        using var capture = JsonDocument.Parse(sink["capture.json"].Content);
        Assert.Equal(nested.HostPid, capture.RootElement.GetProperty("initPid").GetInt32());
        Assert.Equal(1, capture.RootElement.GetProperty("runtimeInitPid").GetInt32());
        Assert.Contains($"is host pid {pid} (NSpid", capture.RootElement.GetProperty("pidTranslation").GetString(), StringComparison.Ordinal);
        Assert.Equal(nested.HostPid, capture.RootElement.GetProperty("initPidAtEnd").GetInt32());
    }

    [Fact]
    public async Task A_pid_that_no_host_process_has_in_that_namespace_is_refused_and_nothing_is_read()
    {
        using var nested = await PidNamespaceProcess.StartAsync("sleep", "6002");
        var runtime = new FakeRuntime(RuntimeLocality.Nested(nested.HostPid, nested.PidNamespace, "test"), FakeRuntime.Running("cfir-test-nested", 1))
        {
            InitPid = _ => 7, // nothing is pid 7 in a namespace holding one sleep
        };
        var sink = new RecordingSink();

        await new HostProcessCollector().CollectAsync(runtime.Containers[0], runtime, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Items);
        var refusal = Assert.Single(sink.Errors);
        Assert.Contains("host process evidence not collected: fake at fake://test reported init pid 7", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"pid 7 of pid:[{nested.PidNamespace}] cannot be translated", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pid_of_a_namespace_whose_daemon_is_gone_is_refused_not_read_as_a_host_pid()
    {
        ulong gone;
        int daemon;
        using (var nested = await PidNamespaceProcess.StartAsync("sleep", "6003"))
        {
            (gone, daemon) = (nested.PidNamespace, nested.HostPid);
        }
        await Eventually.Until(() => !Directory.Exists($"/proc/{daemon}"), "the nested process to be gone");
        var runtime = new FakeRuntime(RuntimeLocality.Nested(daemon, gone, "test"), FakeRuntime.Running("cfir-test-nested", 1));
        var sink = new RecordingSink();

        await new HostProcessCollector().CollectAsync(runtime.Containers[0], runtime, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Items); // host pid 1 (init) above all was not read
        Assert.Contains("gone or no longer in that namespace", Assert.Single(sink.Errors).Message, StringComparison.Ordinal);
    }
}
