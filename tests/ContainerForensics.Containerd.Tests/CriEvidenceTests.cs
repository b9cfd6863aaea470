using ContainerForensics.TestSupport;
using System.Text.Json;
using ContainerForensics.Containerd.Cri;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using CriApi = ContainerForensics.Containerd.Cri.Api;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

/// <summary>The CRI side of the containerd collector against the fake daemon (which has no CRI unless a test registers it).</summary>
public sealed class CriEvidenceTests : IAsyncLifetime
{
    private FakeContainerd _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeContainerd.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private Task<ContainerdRuntime> ConnectAsync() =>
        ContainerdRuntime.ConnectAsync(_fake.SocketPath, new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(5) }, default);

    private static ContainerInfo Member(string id, bool sandbox) => new()
    {
        Runtime = "containerd",
        Id = id,
        RuntimeNamespace = "k8s.io",
        PodMembership = new PodMembership { Namespace = "shop", Name = "web-0", Uid = "u1", ContainerName = sandbox ? null : "app", IsSandbox = sandbox },
    };

    [Fact]
    public async Task Without_the_CRI_plugin_every_CRI_item_says_so_and_nothing_fails()
    {
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions(), default);

        foreach (string name in new[] { "cri/version.json", "cri/pod-sandboxes.json", "cri/containers.json" })
        {
            var item = sink[name].Item;
            Assert.Equal(EntryStatus.Skipped, item.Status);
            Assert.Contains("does not serve the CRI runtime.v1 API", item.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(EntryStatus.Collected, sink["version.json"].Item.Status);
    }

    [Fact]
    public async Task Container_status_is_verbose_with_the_info_document_embedded_as_json()
    {
        _fake.Server.Unary<CriApi.ContainerStatusRequest, CriApi.ContainerStatusResponse>(CriMethods.ContainerStatus, (r, _) =>
        {
            Assert.True(r.Verbose);
            var response = new CriApi.ContainerStatusResponse { Status = new CriApi.ContainerStatus { Id = r.ContainerId, LogPath = "/var/log/pods/shop_web-0_u1/app/0.log" } };
            response.Info.Add("info", "{\"pid\": 42, \"sandboxID\": \"s1\"}");
            response.Info.Add("note", "not json {");
            return response;
        });
        using var channel = new ContainerdChannel(_fake.SocketPath, TimeSpan.FromSeconds(5));
        var cri = new CriEvidenceCollector(new CriClient(channel), m => m, RuntimeLocality.ThisHost("test: the log files are this host's"));
        var sink = new RecordingSink();

        await cri.CollectMetadataAsync(Member("c1", sandbox: false), sink, default);

        using var json = JsonDocument.Parse(sink["cri-container-status.json"].Bytes);
        Assert.Equal("/var/log/pods/shop_web-0_u1/app/0.log", json.RootElement.GetProperty("status").GetProperty("logPath").GetString());
        Assert.Equal(42, json.RootElement.GetProperty("info").GetProperty("info").GetProperty("pid").GetInt32());
        Assert.Equal("not json {", json.RootElement.GetProperty("info").GetProperty("note").GetString());
        Assert.False(sink.Has("pod-sandbox-status.json"));
    }

    [Fact]
    public async Task A_vanished_sandbox_is_missing_and_logs_without_CRI_are_a_failed_record()
    {
        _fake.Server.Unary<CriApi.PodSandboxStatusRequest, CriApi.PodSandboxStatusResponse>(CriMethods.PodSandboxStatus, (r, _) =>
            throw new FakeStatus(StatusCode.NotFound, $"an error occurred when try to find sandbox \"{r.PodSandboxId}\": not found"));
        using var channel = new ContainerdChannel(_fake.SocketPath, TimeSpan.FromSeconds(5));
        var cri = new CriEvidenceCollector(new CriClient(channel), m => m, RuntimeLocality.ThisHost("test: the log files are this host's"));
        var sink = new RecordingSink();

        await cri.CollectMetadataAsync(Member("s1", sandbox: true), sink, default);
        await cri.CollectLogsAsync(Member("c1", sandbox: false), sink, new CollectionOptions(), default);
        await cri.CollectLogsAsync(Member("s1", sandbox: true), sink, new CollectionOptions(), default);

        Assert.Equal(EntryStatus.Missing, sink["pod-sandbox-status.json"].Item.Status);
        var logs = sink["files"].Item;
        Assert.Equal((EvidenceSection.Logs, EntryStatus.Failed), (logs.Section, logs.Status));
        Assert.Contains("log path is not known", logs.Reason, StringComparison.Ordinal);
        Assert.Equal(2, sink.Items.Count); // the sandbox has no logs of its own
    }
}
