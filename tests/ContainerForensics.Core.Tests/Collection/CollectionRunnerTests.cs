using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>The runner's promises: volatile first across all containers, one failure never stops the others, vanishing is normal.</summary>
public sealed class CollectionRunnerTests
{
    private static readonly ContainerInfo A = new() { Runtime = "test", Id = "aaaa", Name = "a", State = "running", Labels = new Dictionary<string, string> { ["app"] = "web" } };
    private static readonly ContainerInfo B = new() { Runtime = "test", Id = "bbbb", Name = "b", State = "exited" };

    private static CollectionRunner Runner() => new(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None);

    [Fact]
    public async Task Every_container_goes_through_a_phase_before_any_starts_the_next()
    {
        var runtime = ScriptedRuntime([A, B]);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunAsync([runtime], new CollectionOptions(), writer, default);
        Assert.Equal(
            ["Volatile a", "Volatile b", "engine", "Metadata a", "Metadata b", "Logs a", "Logs b", "Filesystem a", "Filesystem b"],
            runtime.Calls);
        Assert.Equal(2, result.Containers.Count);
        Assert.Contains(writer.Entries, e => e.Entry.Path.Value == "containers/test/-/a_aaaa/metadata/m.json");
        Assert.Empty(writer.Errors);
    }

    [Fact]
    public async Task One_container_goes_through_every_phase_in_order_as_watch_mode_runs_it()
    {
        var runtime = ScriptedRuntime([A, B]);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunContainerAsync(runtime, B, ContainerPlan.Batch, new CollectionOptions(), writer, default);
        Assert.Equal(["Volatile b", "Metadata b", "Logs b", "Filesystem b"], runtime.Calls);
        Assert.Equal([B], result.Containers);
        Assert.Contains(writer.Entries, e => e.Entry.Path.Value == "containers/test/-/b_bbbb/metadata/m.json");
        Assert.Empty(writer.Errors);
    }

    [Fact]
    public async Task One_container_that_vanishes_stops_at_that_phase_with_its_record()
    {
        var runtime = ScriptedRuntime([A], fail: (c, p) => p == CollectionPhase.Metadata ? new ContainerGoneException("aaaa", "404 no such container") : null);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunContainerAsync(runtime, A, ContainerPlan.Batch, new CollectionOptions(), writer, default);
        Assert.Equal(["Volatile a", "Metadata a"], runtime.Calls);
        Assert.Equal(CollectionPhase.Metadata, result.Gone[A]);
        Assert.Contains(writer.Errors, e => e.Message.Contains("vanished during the metadata phase", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_phase_is_recorded_and_the_rest_goes_on()
    {
        var runtime = ScriptedRuntime([A, B], fail: (c, p) => c == A && p == CollectionPhase.Metadata ? new InvalidOperationException("daemon said 500") : null);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunAsync([runtime], new CollectionOptions(), writer, default);
        Assert.Contains("Metadata b", runtime.Calls);
        Assert.Contains("Logs a", runtime.Calls);
        var error = Assert.Single(writer.Errors);
        Assert.Contains("daemon said 500", error.Message, StringComparison.Ordinal);
        Assert.Equal("aaaa", error.ContainerId);
        Assert.Equal(1, result.Failures);
    }

    [Fact]
    public async Task A_vanished_container_keeps_what_was_captured_and_skips_later_phases()
    {
        var runtime = ScriptedRuntime([A, B], fail: (c, p) => c == A && p == CollectionPhase.Logs ? new ContainerGoneException("aaaa", "404 no such container") : null);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunAsync([runtime], new CollectionOptions(), writer, default);
        Assert.DoesNotContain("Filesystem a", runtime.Calls);
        Assert.Contains("Filesystem b", runtime.Calls);
        Assert.Equal(CollectionPhase.Logs, result.Gone[A]);
        Assert.Contains(writer.Errors, e => e.Message.Contains("vanished during the logs phase", StringComparison.Ordinal));
        Assert.Contains(writer.Entries, e => e.Entry.Path.Value.StartsWith("containers/test/-/a_aaaa/metadata", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_container_vanishing_in_its_filesystem_is_recorded_and_warned_with_the_last_entry_captured()
    {
        var passwd = EvidenceItem.Json(EvidenceSection.FilesystemFull, "x", "{}"u8.ToArray(), "test") with { Name = null, RawPath = "/etc/passwd"u8.ToArray() };
        var shadow = passwd with { RawPath = "/etc/shadow"u8.ToArray(), Content = null, Status = EntryStatus.Missing, Reason = "not walked" };
        var runtime = ScriptedRuntime([A, B],
            captures: (c, p) => c == A && p == CollectionPhase.Filesystem ? [passwd, shadow] : [],
            fail: (c, p) => c == A && p == CollectionPhase.Filesystem ? new ContainerGoneException("aaaa", "the merged dir went away") : null);
        var writer = new RecordingArchiveWriter();
        var log = new RecordingLogSink();
        var runner = new CollectionRunner(TimeProvider.System, log.Logger, ICollectionProgress.None);

        var result = await runner.RunAsync([runtime], new CollectionOptions { Filesystem = FilesystemMode.Full }, writer, default);

        Assert.Equal(CollectionPhase.Filesystem, result.Gone[A]);
        Assert.True(result.Failures > 0);
        const string last = "containers/test/-/a_aaaa/filesystem/full/etc/passwd";
        var vanished = Assert.Single(writer.Errors, e => e.Message.Contains("vanished", StringComparison.Ordinal));
        Assert.Contains("vanished during the filesystem phase after 2 entries of the phase (the last entry captured was " + last + ")", vanished.Message, StringComparison.Ordinal);
        Assert.Contains("the merged dir went away", vanished.Message, StringComparison.Ordinal);
        Assert.Equal(last, vanished.Path);
        Assert.Equal("aaaa", vanished.ContainerId);
        // stderr: one warning that names the container, the phase and the point reached.
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("a (aaaa) vanished during the filesystem phase", warning, StringComparison.Ordinal);
        Assert.Contains(last, warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Selection_by_name_label_and_state_and_unmatched_names_are_recorded()
    {
        var runtime = ScriptedRuntime([A, B]);
        var writer = new RecordingArchiveWriter();
        var options = new CollectionOptions { Selector = new ContainerSelector { Names = ["b", "nosuch"] } };
        await Runner().RunAsync([runtime], options, writer, default);
        Assert.DoesNotContain("Volatile a", runtime.Calls);
        Assert.Contains("Volatile b", runtime.Calls);
        Assert.Contains(writer.Errors, e => e.Message == "no container matches 'nosuch'");

        Assert.True(new ContainerSelector { Labels = [new("app", "web")] }.Matches(A));
        Assert.False(new ContainerSelector { Labels = [new("app", "db")] }.Matches(A));
        Assert.True(new ContainerSelector { Labels = [new("app", null)] }.Matches(A));
        Assert.False(new ContainerSelector { RunningOnly = true }.Matches(B));
        Assert.True(new ContainerSelector { Names = ["aa"] }.Matches(A)); // id prefix
    }

    [Fact]
    public async Task Cancellation_stops_the_walk_and_is_recorded()
    {
        using var cts = new CancellationTokenSource();
        var runtime = ScriptedRuntime([A, B], onCall: (c, p) => { if (p == CollectionPhase.Metadata) { cts.Cancel(); } });
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunAsync([runtime], new CollectionOptions(), writer, cts.Token);
        Assert.True(result.Interrupted);
        Assert.DoesNotContain("Logs a", runtime.Calls);
        Assert.Contains(writer.Errors, e => e.Scope == "run" && e.Message.Contains("interrupted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runtime_agnostic_collectors_run_after_the_runtime_in_their_phase_with_the_init_pid()
    {
        var runtime = ScriptedRuntime([A, B]);
        var host = new PidCollector(runtime.Calls);
        var writer = new RecordingArchiveWriter();
        await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, [host])
            .RunAsync([runtime], new CollectionOptions(), writer, default);
        Assert.Equal(["Volatile a", "host a pid 4242", "Volatile b", "host b pid none", "engine"], runtime.Calls.Take(5));
    }

    [Fact]
    public async Task The_API_servers_view_of_a_pod_and_its_containers_on_a_node_name_each_other_by_pod_uid()
    {
        const string uid = "6f1c2a9e-0b7d-4c8e-9a51-3d2f4e5a6b7c";
        var wholePod = new ContainerInfo
        {
            Runtime = "kubernetes", Id = uid, Name = "web", RuntimeNamespace = "shop", State = "running",
            PodMembership = new PodMembership { Namespace = "shop", Name = "web", Uid = uid, IsWholePod = true },
        };
        var app = new ContainerInfo
        {
            Runtime = "containerd", Id = new string('a', 64), RuntimeNamespace = "k8s.io", State = "running", Pid = 10,
            PodMembership = new PodMembership { Namespace = "shop", Name = "web", Uid = uid, ContainerName = "app" },
        };
        var stranger = new ContainerInfo
        {
            Runtime = "containerd", Id = new string('b', 64), RuntimeNamespace = "k8s.io", State = "running", Pid = 11,
            PodMembership = new PodMembership { Namespace = "shop", Name = "other", Uid = "another-uid", ContainerName = "app" },
        };
        var writer = new RecordingArchiveWriter();

        await Runner().RunAsync([ScriptedRuntime([wholePod]), ScriptedRuntime([app, stranger])], new CollectionOptions(), writer, default);

        var views = writer.Entries.Where(e => e.Entry.Path.Value.EndsWith("/metadata/pod-views.json", StringComparison.Ordinal)).Select(e => e.Entry.Path.Value).Order().ToList();
        Assert.Equal([
            "containers/containerd/k8s.io/pods/shop_web_" + uid + "/app_aaaaaaaaaaaa/metadata/pod-views.json",
            "containers/kubernetes/shop/pods/shop_web_" + uid + "/api/metadata/pod-views.json",
        ], views);
        using var doc = System.Text.Json.JsonDocument.Parse(writer.Entries.Single(e => e.Entry.Path.Value == views[1]).Bytes);
        Assert.Equal(uid, doc.RootElement.GetProperty("podUid").GetString());
        Assert.Equal(
            ["containers/kubernetes/shop/pods/shop_web_" + uid + "/api", "containers/containerd/k8s.io/pods/shop_web_" + uid + "/app_aaaaaaaaaaaa"],
            doc.RootElement.GetProperty("views").EnumerateArray().Select(v => v.GetProperty("archiveFolder").GetString()));
    }

    [Fact]
    public async Task A_container_two_runtimes_list_is_collected_once_from_its_manager_and_the_other_listing_recorded()
    {
        var docker = new ContainerInfo { Runtime = "docker", Id = "d1d1", Name = "web", State = "running", Pid = 10 };
        var lower = new ContainerInfo { Runtime = "containerd", Id = "d1d1", RuntimeNamespace = "moby", State = "running", Pid = 10, ManagedBy = new ContainerRef("docker", "d1d1") };
        var own = new ContainerInfo { Runtime = "containerd", Id = "c2c2", Name = "own", RuntimeNamespace = "default", State = "running", Pid = 11 };
        var dockerRuntime = ScriptedRuntime([docker]);
        var containerdRuntime = ScriptedRuntime([lower, own]);
        var writer = new RecordingArchiveWriter();

        var result = await Runner().RunAsync([dockerRuntime, containerdRuntime], new CollectionOptions(), writer, default);

        Assert.Equal(["web", "own"], result.Containers.Select(c => c.Name));
        Assert.Equal(["Volatile own", "engine", "Metadata own", "Logs own", "Filesystem own"], containerdRuntime.Calls);
        var sighting = Assert.Single(writer.Entries, e => e.Entry.Path.Value == "containers/docker/-/web_d1d1/metadata/also-listed-by.json");
        Assert.Equal(EntryStatus.Collected, sighting.Status);
        var seen = Assert.Single(result.Containers[0].AlsoListedBy);
        Assert.Equal(("containerd", "moby", "d1d1", "test://"), (seen.Runtime, seen.RuntimeNamespace, seen.Id, seen.Endpoint));
        // The sighting is metadata: it never comes before the volatile evidence.
        Assert.True(writer.Entries.IndexOf(sighting) > writer.Entries.FindLastIndex(e => e.Entry.Path.Value.Contains("/volatile/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Same_id_with_a_different_pid_is_a_different_container_and_both_are_collected()
    {
        var docker = new ContainerInfo { Runtime = "docker", Id = "d1d1", Name = "web", State = "running", Pid = 10 };
        var impostor = new ContainerInfo { Runtime = "containerd", Id = "d1d1", Name = "d1d1", RuntimeNamespace = "moby", State = "running", Pid = 66, ManagedBy = new ContainerRef("docker", "d1d1") };
        var result = await Runner().RunAsync([ScriptedRuntime([docker]), ScriptedRuntime([impostor])], new CollectionOptions(), new RecordingArchiveWriter(), default);
        Assert.Equal(2, result.Containers.Count);
        Assert.All(result.Containers, c => Assert.Empty(c.AlsoListedBy));
    }

    [Fact]
    public async Task A_managed_listing_whose_manager_is_not_selected_is_collected_itself()
    {
        var lower = new ContainerInfo { Runtime = "containerd", Id = "d1d1", Name = "d1d1", RuntimeNamespace = "moby", State = "running", Pid = 10, ManagedBy = new ContainerRef("docker", "d1d1") };
        var runtime = ScriptedRuntime([lower]);
        var result = await Runner().RunAsync([runtime], new CollectionOptions(), new RecordingArchiveWriter(), default);
        Assert.Equal("d1d1", Assert.Single(result.Containers).Id);
        Assert.Contains("Metadata d1d1", runtime.Calls);
    }

    private sealed class PidCollector(System.Collections.Concurrent.ConcurrentQueue<string> calls) : IContainerEvidenceCollector
    {
        public string Name => "host";

        public CollectionPhase Phase => CollectionPhase.Volatile;

        public bool NeedsLiveHost => false;

        public async Task CollectAsync(ContainerInfo container, IContainerRuntime runtime, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
        {
            int? pid = await runtime.GetInitPidAsync(container, cancellationToken);
            calls.Enqueue($"host {container.Name} pid {pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
        }
    }

    /// <summary>A runtime named "test" that writes m.json in every metadata phase that does not fail.</summary>
    private static FakeRuntime ScriptedRuntime(IReadOnlyList<ContainerInfo> containers,
        Func<ContainerInfo, CollectionPhase, Exception?>? fail = null,
        Action<ContainerInfo, CollectionPhase>? onCall = null,
        Func<ContainerInfo, CollectionPhase, IReadOnlyList<EvidenceItem>>? captures = null) => new(RuntimeLocality.Unknown("test"), containers)
    {
        Descriptor = new RuntimeDescriptor("test", "test://", "1", null),
        InitPid = c => c.IsRunning ? 4242 : null,
        Fail = fail ?? ((_, _) => null),
        OnCall = onCall ?? ((_, _) => { }),
        Captures = captures ?? ((_, _) => []),
        Work = MetadataJson,
    };

    private static Task MetadataJson(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CancellationToken cancellationToken) =>
        phase == CollectionPhase.Metadata
            ? sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "m.json", "{}"u8.ToArray(), "test"), cancellationToken).AsTask()
            : Task.CompletedTask;
}
