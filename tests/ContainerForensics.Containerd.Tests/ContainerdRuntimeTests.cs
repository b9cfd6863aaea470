using ContainerForensics.TestSupport;
using System.Text;
using System.Text.Json;
using System.Security.Cryptography;
using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Api.Content;
using ContainerForensics.Containerd.Api.Images;
using ContainerForensics.Containerd.Api.Types;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

/// <summary>The runtime against a fake containerd speaking the real protocol.</summary>
public sealed class ContainerdRuntimeTests : IAsyncLifetime
{
    // Odd spacing and key order on purpose: spec.json must be these bytes, not a re-serialization.
    private const string SpecJson = "{\"ociVersion\":  \"1.0.2-dev\",\n \"process\":{\"args\":[\"sleep\",\"3600\"]}, \"root\":{\"path\":\"rootfs\"}}";

    private FakeContainerd _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeContainerd.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private Task<ContainerdRuntime> ConnectAsync(string? ns = null) =>
        ContainerdRuntime.ConnectAsync(_fake.SocketPath, new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(5) }.With(ContainerdOptions.Namespace, ns), default);

    private static Container NewContainer(string id, params (string Key, string Value)[] labels)
    {
        var c = new Container
        {
            Id = id,
            Image = "docker.io/library/busybox:latest",
            Runtime = new Container.Types.Runtime
            {
                Name = "io.containerd.runc.v2",
                Options = new Any { TypeUrl = "containerd.runc.v1.Options", Value = ByteString.CopyFrom(0x0A, 0x03, 0x61, 0x62, 0x63) },
            },
            Spec = new Any { TypeUrl = ContainerdRuntime.OciSpecTypeUrl, Value = ByteString.CopyFromUtf8(SpecJson) },
            Snapshotter = "overlayfs",
            SnapshotKey = id,
            CreatedAt = new Timestamp { Seconds = 1_795_000_000, Nanos = 123_456_789 },
            UpdatedAt = new Timestamp { Seconds = 1_795_000_001 },
        };
        foreach (var (k, v) in labels)
        {
            c.Labels[k] = v;
        }
        return c;
    }

    private static Process Task(string id, Status status, uint pid) => new() { Id = id, Pid = pid, Status = status };

    [Fact]
    public async Task Connect_DescribesTheDaemon()
    {
        await using var runtime = await ConnectAsync();

        Assert.Equal("containerd", runtime.Descriptor.Name);
        Assert.Equal(_fake.SocketPath, runtime.Descriptor.Endpoint);
        Assert.Equal("1.6.20~fake", runtime.Descriptor.Version);
        Assert.Equal("fake-rev", runtime.Descriptor.Details["revision"]);
    }

    [Fact]
    public async Task List_EveryNamespaceWithStateFromTheTask()
    {
        _fake.Add("default", NewContainer("run1"), Task("run1", Status.Running, 4242));
        _fake.Add("default", NewContainer("new1"));
        _fake.Add("default", NewContainer("stop1"), Task("stop1", Status.Stopped, 99));
        _fake.Add("default", NewContainer("paus1"), Task("paus1", Status.Paused, 77));
        _fake.Add("k8s.io", NewContainer("abc123",
            (ContainerdLabels.KubernetesContainerName, "nginx"),
            (ContainerdLabels.KubernetesPodName, "web-0"),
            (ContainerdLabels.KubernetesPodNamespace, "shop")), Task("abc123", Status.Running, 5));
        _fake.Add("k8s.io", NewContainer("sb1",
            (ContainerdLabels.KubernetesPodName, "web-0"),
            (ContainerdLabels.KubernetesPodNamespace, "shop"),
            (ContainerdLabels.KubernetesPodUid, "u-1"),
            (ContainerdLabels.CriKind, ContainerdLabels.CriKindSandbox)), Task("sb1", Status.Running, 6));
        _fake.Add("nerd", NewContainer("n1", (ContainerdLabels.NerdctlName, "mine")));
        _fake.Add("moby", NewContainer("d0c"), Task("d0c", Status.Created, 12));
        await using var runtime = await ConnectAsync();

        var all = (await runtime.ListContainersAsync(default)).ToDictionary(c => c.Id);

        Assert.Equal(8, all.Count);
        var run1 = all["run1"];
        Assert.Equal(("containerd", "default", "run1", "running", 4242), (run1.Runtime, run1.RuntimeNamespace, run1.Name, run1.State, run1.Pid));
        Assert.Equal("docker.io/library/busybox:latest", run1.Image);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_795_000_000).AddTicks(1_234_567), run1.Created);
        Assert.Null(run1.PodMembership);
        Assert.Equal(("created", (int?)null), (all["new1"].State, all["new1"].Pid));
        Assert.Equal(("stopped", (int?)null), (all["stop1"].State, all["stop1"].Pid));
        Assert.Equal(("paused", (int?)77), (all["paus1"].State, all["paus1"].Pid));
        var k8s = all["abc123"];
        Assert.Equal(("k8s.io", "nginx", "shop/web-0"), (k8s.RuntimeNamespace, k8s.Name, k8s.PodMembership?.DisplayName));
        Assert.Equal("web-0", k8s.Labels[ContainerdLabels.KubernetesPodName]);
        Assert.Equal(new PodMembership { Namespace = "shop", Name = "web-0", ContainerName = "nginx" }, k8s.PodMembership);
        Assert.Equal(new PodMembership { Namespace = "shop", Name = "web-0", Uid = "u-1", IsSandbox = true }, all["sb1"].PodMembership);
        Assert.Null(run1.PodMembership);
        Assert.Equal("mine", all["n1"].Name);
        Assert.Equal(("moby", "created", (int?)null), (all["d0c"].RuntimeNamespace, all["d0c"].State, all["d0c"].Pid));
    }

    [Fact]
    public async Task List_OnlyTheConfiguredNamespace()
    {
        _fake.Add("default", NewContainer("a"));
        _fake.Add("k8s.io", NewContainer("b"));
        await using var runtime = await ConnectAsync("k8s.io");

        var all = await runtime.ListContainersAsync(default);

        Assert.Equal("b", Assert.Single(all).Id);
        Assert.DoesNotContain(_fake.Server.Calls, c => c.Path == Client.ContainerdMethods.ListNamespaces);
        Assert.Equal("k8s.io", runtime.Descriptor.Details["namespace"]);
    }

    [Fact]
    public async Task CollectMetadata_ContainerSpecAndTask()
    {
        _fake.Add("default", NewContainer("run1", ("a", "b")), Task("run1", Status.Running, 4242));
        await using var runtime = await ConnectAsync();
        var info = (await runtime.ListContainersAsync(default)).Single();
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(info, CollectionPhase.Metadata, sink, new CollectionOptions(), default);

        Assert.Equal(["container.json", "spec.json", "task.json"], sink.Items.Select(i => i.Item.Name));
        Assert.All(sink.Items, i => Assert.Equal(EvidenceSection.Metadata, i.Item.Section));
        Assert.Equal(Encoding.UTF8.GetBytes(SpecJson), sink["spec.json"].Bytes);

        using var container = JsonDocument.Parse(sink["container.json"].Bytes);
        var c = container.RootElement.GetProperty("container");
        Assert.Equal("run1", c.GetProperty("id").GetString());
        Assert.Equal(["id", "labels", "image", "runtime", "spec", "snapshotter", "snapshotKey", "createdAt", "updatedAt", "extensions", "sandbox"],
            c.EnumerateObject().Select(p => p.Name));
        Assert.Equal("b", c.GetProperty("labels").GetProperty("a").GetString());
        Assert.Equal("overlayfs", c.GetProperty("snapshotter").GetString());
        Assert.Equal("run1", c.GetProperty("snapshotKey").GetString());
        Assert.Equal("2026-11-18T11:06:40.123456789Z", c.GetProperty("createdAt").GetString());
        Assert.Equal("io.containerd.runc.v2", c.GetProperty("runtime").GetProperty("name").GetString());
        var options = c.GetProperty("runtime").GetProperty("options");
        Assert.Equal("containerd.runc.v1.Options", options.GetProperty("@type").GetString());
        Assert.Equal([0x0A, 0x03, 0x61, 0x62, 0x63], options.GetProperty("value").GetBytesFromBase64());
        Assert.Equal(ContainerdRuntime.OciSpecTypeUrl, c.GetProperty("spec").GetProperty("@type").GetString());
        Assert.Equal(Encoding.UTF8.GetBytes(SpecJson), c.GetProperty("spec").GetProperty("value").GetBytesFromBase64());

        using var task = JsonDocument.Parse(sink["task.json"].Bytes);
        Assert.Equal("RUNNING", task.RootElement.GetProperty("process").GetProperty("status").GetString());
        Assert.Equal(4242, task.RootElement.GetProperty("process").GetProperty("pid").GetInt32());
        Assert.Equal(0, task.RootElement.GetProperty("process").GetProperty("exitStatus").GetInt32());
        Assert.Contains("/containerd.services.tasks.v1.Tasks/Get", sink["task.json"].Item.Source!.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectMetadata_NoTaskMeansNoTaskJson()
    {
        _fake.Add("default", NewContainer("new1"));
        await using var runtime = await ConnectAsync();
        var info = (await runtime.ListContainersAsync(default)).Single();
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(info, CollectionPhase.Metadata, sink, new CollectionOptions(), default);

        Assert.Equal(["container.json", "spec.json"], sink.Items.Select(i => i.Item.Name));
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task CollectMetadata_VanishedContainerIsGone()
    {
        _fake.Add("default", NewContainer("run1"), Task("run1", Status.Running, 1));
        await using var runtime = await ConnectAsync();
        var info = (await runtime.ListContainersAsync(default)).Single();
        _fake.Remove("default", "run1");

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() =>
            runtime.CollectContainerAsync(info, CollectionPhase.Metadata, new RecordingSink(), new CollectionOptions(), default));

        Assert.Equal("run1", gone.ContainerId);
        Assert.Equal(StatusCode.NotFound, Assert.IsType<GrpcCallException>(gone.InnerException).StatusCode);
    }

    [Fact]
    public async Task CollectMetadata_ContainerWithoutSpecIsRecordedMissing()
    {
        var c = NewContainer("nospec");
        c.Spec = null;
        _fake.Add("default", c);
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync((await runtime.ListContainersAsync(default)).Single(), CollectionPhase.Metadata, sink, new CollectionOptions(), default);

        var spec = sink["spec.json"];
        Assert.Equal(EntryStatus.Missing, spec.Item.Status);
        Assert.Null(spec.Bytes);
    }

    [Theory]
    [InlineData(CollectionPhase.Volatile)]
    [InlineData(CollectionPhase.Logs)]
    public async Task OtherPhases_CollectNothingYet(CollectionPhase phase)
    {
        _fake.Add("default", NewContainer("run1"), Task("run1", Status.Running, 1));
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync((await runtime.ListContainersAsync(default)).Single(), phase, sink, new CollectionOptions(), default);

        Assert.Empty(sink.Items);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task Filesystem_WithoutAnAnswerFromSnapshots_RecordsWhyAndAnError()
    {
        _fake.Add("default", NewContainer("run1"), Task("run1", Status.Running, 1));
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync((await runtime.ListContainersAsync(default)).Single(), CollectionPhase.Filesystem, sink, new CollectionOptions(), default);

        using var record = JsonDocument.Parse(sink["filesystem-source.json"].Bytes);
        Assert.Equal("none", record.RootElement.GetProperty("source").GetString());
        Assert.Equal("overlayfs", record.RootElement.GetProperty("snapshotter").GetString());
        Assert.Contains("Snapshots/Mounts", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Contains("Unimplemented", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Single(sink.Errors);
        Assert.Single(sink.Items);
    }

    [Fact]
    public async Task Filesystem_AContainerWithoutASnapshot_IsRecordedButIsNoError()
    {
        var docker = NewContainer("d0c");
        docker.Snapshotter = "";
        docker.SnapshotKey = "";
        _fake.Add("moby", docker, Task("d0c", Status.Running, 1));
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync((await runtime.ListContainersAsync(default)).Single(), CollectionPhase.Filesystem, sink, new CollectionOptions(), default);

        using var record = JsonDocument.Parse(sink["filesystem-source.json"].Bytes);
        Assert.Equal("none", record.RootElement.GetProperty("source").GetString());
        Assert.Contains("no snapshot", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task CollectEngine_VersionAndNamespaces()
    {
        _fake.AddNamespace("default");
        _fake.AddNamespace("k8s.io");
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions(), default);

        using var version = JsonDocument.Parse(sink["version.json"].Bytes);
        Assert.Equal("1.6.20~fake", version.RootElement.GetProperty("version").GetString());
        Assert.Equal("fake-rev", version.RootElement.GetProperty("revision").GetString());
        using var namespaces = JsonDocument.Parse(sink["namespaces.json"].Bytes);
        Assert.Equal(["default", "k8s.io"], namespaces.RootElement.GetProperty("namespaces").EnumerateArray().Select(n => n.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CollectEngine_AFailedCallIsAFailedEntryAndTheRestGoesOn()
    {
        await using var runtime = await ConnectAsync();
        _fake.Server.Unary<Empty, VersionResponse>(Client.ContainerdMethods.Version, (_, _) => throw new FakeStatus(StatusCode.Unavailable, "shutting down"));
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions(), default);

        var version = sink["version.json"];
        Assert.Equal(EntryStatus.Failed, version.Item.Status);
        Assert.Contains("shutting down", version.Item.Reason, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Collected, sink["namespaces.json"].Item.Status);
    }

    [Fact]
    public async Task CollectEngine_ABlobWhoseBytesDoNotMatchItsDigest_IsKeptAndMarked()
    {
        _fake.AddNamespace("default");
        byte[] manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\",\"size\":2}}");
        string honest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest));
        string liar = "sha256:" + new string('1', 64);
        _fake.Server.Unary<ListImagesRequest, ListImagesResponse>(Client.ContainerdMethods.ListImages, (_, _) => new ListImagesResponse
        {
            Images =
            {
                new Image { Name = "good:1", Target = new OciDescriptor { MediaType = "application/vnd.oci.image.manifest.v1+json", Digest = honest, Size = manifest.Length } },
                new Image { Name = "bad:1", Target = new OciDescriptor { MediaType = "application/vnd.oci.image.manifest.v1+json", Digest = liar, Size = manifest.Length } },
            },
        });
        _fake.Server.Raw(Client.ContainerdMethods.ReadContent, async (ctx, body) =>
        {
            string digest = ReadContentRequest.Parser.ParseFrom(body).Digest;
            if (digest.StartsWith("sha256:0000", StringComparison.Ordinal))
            {
                await ctx.Response.StartAsync();
                FakeGrpcServer.WriteTrailers(ctx, StatusCode.NotFound, $"content digest {digest}: not found");
                return;
            }
            await ctx.Response.StartAsync();
            // In two chunks, as containerd streams a blob.
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFrom(manifest, 0, 10) }.ToByteArray());
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 10, Data = ByteString.CopyFrom(manifest, 10, manifest.Length - 10) }.ToByteArray());
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        });
        await using var runtime = await ConnectAsync();
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions(), default);

        var good = sink["namespaces/default/blobs/sha256/" + honest[7..]];
        Assert.Equal(EntryStatus.Collected, good.Item.Status);
        Assert.Equal(manifest, good.Bytes);
        var bad = sink["namespaces/default/blobs/sha256/" + liar[7..]];
        Assert.Equal(EntryStatus.Partial, bad.Item.Status);
        Assert.Equal(manifest, bad.Bytes);
        Assert.Contains("digest mismatch", bad.Item.Reason, StringComparison.Ordinal);
        Assert.Contains(honest, bad.Item.Reason, StringComparison.Ordinal);
        // The good manifest's config is followed (once) and is not in the store.
        var config = sink["namespaces/default/blobs/sha256/" + new string('0', 64)];
        Assert.Equal(EntryStatus.Missing, config.Item.Status);
        Assert.Contains("not found", config.Item.Reason, StringComparison.Ordinal);
        // Services the fake does not offer are failed entries with the gRPC status, not silence.
        Assert.Equal(EntryStatus.Failed, sink["namespaces/default/leases.json"].Item.Status);
        Assert.Contains("Unimplemented", sink["namespaces/default/content-index.json"].Item.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha256:abcdef", "blobs/sha256/abcdef")]
    [InlineData("sha256:ABCDEF", "blobs/sha256:ABCDEF")]
    [InlineData("../../etc/passwd", "blobs/..%2F..%2Fetc%2Fpasswd")]
    public void BlobName_OnlyAPlainDigestBecomesFolders(string digest, string expected) =>
        Assert.Equal(expected, ContainerdEngineCollector.BlobName(digest));
}
