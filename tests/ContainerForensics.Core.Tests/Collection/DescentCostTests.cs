using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// What the descent into containers costs, and when: a listing that gives the init pids costs no
/// call per container; a runtime that has to be asked is asked side by side under one budget; a
/// runtime is listed once per run; and a collection makes the descent beside the volatile phase
/// of this host's containers, so their volatile evidence waits for no daemon asked about
/// nesting, while the volatile evidence of every level still comes before anything is copied.
/// Real processes and sockets, as in <see cref="NestedDiscoveryTests"/>.
/// </summary>
public sealed class DescentCostTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-descent-").FullName;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Pids_the_listing_gives_cost_no_call_and_the_others_are_asked_side_by_side_under_one_budget()
    {
        var boxes = new List<PidNamespaceProcess>();
        for (int i = 0; i < 3; i++)
        {
            boxes.Add(Own(await PidNamespaceProcess.StartAsync("sleep", (600 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        // containerd's task list and Podman's libpod list carry the pid.
        var listing = new FakeRuntime(RuntimeLocality.ThisHost("test"), [.. boxes.Select((b, i) => FakeRuntime.Running($"listed{i}", b.HostPid))])
        {
            Descriptor = new RuntimeDescriptor("listing", "unix:///listing.sock", "1", null) { Locality = RuntimeLocality.ThisHost("test") },
        };
        // Docker's list does not: each pid is asked, and this daemon never answers.
        var tokens = new ConcurrentBag<CancellationToken>();
        var allAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asking = new FakeRuntime(RuntimeLocality.ThisHost("test"), [.. boxes.Select((b, i) => FakeRuntime.Running($"asked{i}", b.HostPid) with { Pid = null })])
        {
            Descriptor = new RuntimeDescriptor("asking", "unix:///asking.sock", "1", null) { Locality = RuntimeLocality.ThisHost("test") },
            AskInitPid = async (_, ct) =>
            {
                tokens.Add(ct);
                if (tokens.Count == 3)
                {
                    allAsked.SetResult();
                }
                // Each waits until all three were asked: one after the other, none would ever be answered.
                await allAsked.Task.WaitAsync(HangGuard, ct);
                await Task.Delay(Timeout.Infinite, ct);
                return null;
            },
        };

        var discovery = await new Discovery([new FakeRuntimeProvider("listing", listing), new FakeRuntimeProvider("asking", asking)], Serilog.Core.Logger.None)
            .DiscoverAsync(new DiscoveryRequest { Settings = new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(1) } }, default).WaitAsync(HangGuard);

        Assert.Empty(listing.PidQueries);
        var listed = Assert.Single(discovery.Descents, d => d.Runtime == "listing").Containers;
        Assert.Equal(boxes.Select(b => (int?)b.HostPid), listed.Select(c => c.HostPid));
        Assert.All(listed, c => Assert.Null(c.NotDescended));

        Assert.Equal(3, asking.PidQueries.Count);
        Assert.Single(tokens.Distinct()); // one budget for the three, not one each
        foreach (var c in Assert.Single(discovery.Descents, d => d.Runtime == "asking").Containers)
        {
            Assert.Null(c.HostPid);
            Assert.Contains("did not say which process is its init within --timeout (1 s, one budget for all of asking at unix:///asking.sock's containers)", c.NotDescended, StringComparison.Ordinal);
        }
        // Each runtime listed once, and the listing handed on with the discovery.
        Assert.Equal((1, 1), (listing.ListCount, asking.ListCount));
        Assert.Equal(3, discovery.Listings[listing].Containers!.Count);
    }

    [Fact]
    public async Task A_listing_that_failed_is_not_asked_again_and_its_failure_is_recorded_by_the_collection()
    {
        var hung = new FakeRuntime(RuntimeLocality.ThisHost("test"))
        {
            Descriptor = new RuntimeDescriptor("hung", "unix:///hung.sock", "1", null) { Locality = RuntimeLocality.ThisHost("test") },
            ListFail = () => new TimeoutException("GET /containers/json: no answer within 15 s"),
        };
        var provider = new FakeRuntimeProvider("hung", hung) { NestedSockets = ["/run/x.sock"] };
        var writer = new RecordingArchiveWriter();

        var discovery = await new Discovery([provider], Serilog.Core.Logger.None).DiscoverHostAsync(new DiscoveryRequest(), default);
        await Acquire(discovery, writer, new CollectionOptions());

        Assert.Equal(1, hung.ListCount);
        Assert.Empty(hung.PidQueries);
        var failed = Assert.Single(writer.Errors, e => e.Scope == "engine hung");
        Assert.Contains("listing containers of hung failed", failed.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within 15 s", failed.Message, StringComparison.Ordinal);
        var descent = Assert.Single(Record(writer).GetProperty("nested").GetProperty("descents").EnumerateArray());
        Assert.Contains("no answer within 15 s", descent.GetProperty("notDescended").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_volatile_phase_of_this_host_s_containers_does_not_wait_for_a_daemon_asked_about_nesting()
    {
        var box = Own(await PidNamespaceProcess.StartAsync("sleep", "600"));
        // The daemon answers which process the container's init is only once that container's
        // volatile evidence is being taken: a descent made before the volatile phase would wait forever.
        var volatileTaken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var docker = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("web", box.HostPid) with { Pid = null })
        {
            Descriptor = new RuntimeDescriptor("docker", "unix:///docker.sock", "1", null) { Locality = RuntimeLocality.ThisHost("test") },
            OnCall = (_, phase) =>
            {
                if (phase == CollectionPhase.Volatile)
                {
                    volatileTaken.TrySetResult();
                }
            },
            AskInitPid = async (_, ct) =>
            {
                await volatileTaken.Task.WaitAsync(HangGuard, ct);
                return box.HostPid;
            },
            Captures = (c, phase) => [EvidenceItem.Json(phase == CollectionPhase.Volatile ? EvidenceSection.Volatile : EvidenceSection.Metadata, "state.json", "{}"u8.ToArray(), "fake")],
        };
        var writer = new RecordingArchiveWriter();

        var discovery = await new Discovery([new FakeRuntimeProvider("docker", docker) { NestedSockets = ["/run/x.sock"] }], Serilog.Core.Logger.None)
            .DiscoverHostAsync(new DiscoveryRequest { Settings = new RuntimeSettings { CallTimeout = HangGuard } }, default);
        Assert.True(discovery.DescentPending);
        Assert.Empty(docker.PidQueries);
        await Acquire(discovery, writer, new CollectionOptions()).WaitAsync(HangGuard);

        // The descent was made, from the collection's listing, with the answer that came during the volatile phase.
        Assert.Equal(1, docker.ListCount);
        var web = Assert.Single(Assert.Single(Record(writer).GetProperty("nested").GetProperty("descents").EnumerateArray()).GetProperty("containers").EnumerateArray());
        Assert.Equal(box.HostPid, web.GetProperty("hostPid").GetInt32());
        // The acquisition record follows the volatile evidence and precedes everything else.
        var paths = writer.Paths.ToList();
        int record = paths.IndexOf(EvidenceLayout.AcquisitionRecord.Value);
        Assert.True(record > paths.FindLastIndex(p => p.Contains("/volatile/", StringComparison.Ordinal)), string.Join(", ", paths));
        Assert.True(record < paths.FindIndex(p => p.Contains("/metadata/", StringComparison.Ordinal)), string.Join(", ", paths));
    }

    [Fact]
    public async Task The_volatile_evidence_of_nested_containers_comes_before_anything_copied_of_any_level()
    {
        string path = Path.Join(_dir, "inner.sock");
        var node = Own(await PidNamespaceProcess.StartAsync("socat", $"UNIX-LISTEN:{path},fork", "SYSTEM:true"));
        await WaitForSocketAsync(path);
        var host = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("node", node.HostPid), FakeRuntime.Running("other", node.HostPid) with { Id = "other", State = "exited" })
        {
            Captures = Everything,
        };
        var inner = new FakeRuntimeProvider("inner")
        {
            NestedSockets = [path],
            NestedContainers = _ => [new ContainerInfo { Runtime = "inner", Id = "app1", Name = "app", State = "running", Pid = 1 }],
            NestedCaptures = Everything,
        };
        var writer = new RecordingArchiveWriter();

        var discovery = await new Discovery([new FakeRuntimeProvider("fake", host), inner], Serilog.Core.Logger.None)
            .DiscoverHostAsync(new DiscoveryRequest { Settings = new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(10) } }, default);
        var result = await Acquire(discovery, writer, new CollectionOptions { Filesystem = FilesystemMode.Changed }).WaitAsync(HangGuard);

        Assert.True(result.Containers.Any(c => c.NestedIn is not null), string.Join(", ", writer.Paths));
        var paths = writer.Paths.ToList();
        string all = string.Join(", ", paths);
        int nestedVolatile = paths.FindIndex(p => p.Contains("/nested/", StringComparison.Ordinal) && p.EndsWith("/volatile/state.json", StringComparison.Ordinal));
        Assert.True(nestedVolatile >= 0, all);
        Assert.Contains(paths, p => p.Contains("/nested/", StringComparison.Ordinal) && p.EndsWith("/filesystem/changed/f", StringComparison.Ordinal));
        int firstCopied = paths.FindIndex(p => p.Contains("/filesystem/", StringComparison.Ordinal) || p.Contains("/metadata/", StringComparison.Ordinal));
        Assert.True(firstCopied > 0, all);
        Assert.True(paths.FindLastIndex(p => p.Contains("/volatile/", StringComparison.Ordinal)) < firstCopied, all);
        Assert.True(paths.IndexOf(EvidenceLayout.AcquisitionRecord.Value) < firstCopied, all);
        // The record has the nested runtime and the descent that found it.
        var acquisition = Record(writer);
        Assert.Contains(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("name").GetString() == "inner" && r.GetProperty("answered").GetBoolean());
        Assert.Contains(acquisition.GetProperty("nested").GetProperty("descents").EnumerateArray(), d => d.GetProperty("runtime").GetString() == "inner");
        // Found by the run, closed by the run: the socket it was reached through is not held after it.
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries("/proc/self/fd"), fd => LinkTarget(fd) == path);
    }

    /// <summary>What a descriptor of this process names; null when it was closed meanwhile (other tests run beside this one).</summary>
    private static string? LinkTarget(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static IReadOnlyList<EvidenceItem> Everything(ContainerInfo c, CollectionPhase phase) => phase switch
    {
        CollectionPhase.Volatile => [EvidenceItem.Json(EvidenceSection.Volatile, "state.json", "{}"u8.ToArray(), "fake")],
        CollectionPhase.Metadata => [EvidenceItem.Json(EvidenceSection.Metadata, "m.json", "{}"u8.ToArray(), "fake")],
        CollectionPhase.Filesystem => [new EvidenceItem { Section = EvidenceSection.FilesystemChanged, RawPath = "/f"u8.ToArray(), Content = EvidenceContent.FromBytes(new byte[] { 1 }), Source = new EvidenceSource { Description = "fake" } }],
        _ => [],
    };

    private static async Task<CollectionResult> Acquire(DiscoveryResult discovery, RecordingArchiveWriter writer, CollectionOptions options)
    {
        var request = new AcquisitionRequest
        {
            Info = new AcquisitionInfo(),
            Host = new HostFacts { Hostname = "h" },
            Discovery = discovery,
            Options = options,
            StartedAt = new UnixTime(1_764_000_000, 0),
        };
        var outcome = await new Acquisition(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, []).RunAsync(request, () => writer, default);
        return outcome.Collection;
    }

    private static JsonElement Record(RecordingArchiveWriter writer) =>
        JsonDocument.Parse(Assert.Single(writer.Entries, e => e.Entry.Path.Value == EvidenceLayout.AcquisitionRecord.Value).Bytes).RootElement;

    private T Own<T>(T owned)
        where T : IDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    /// <summary>Until socat accepts: the socket file exists from bind(2), before listen(2), and a connect in between is refused.</summary>
    private static async Task WaitForSocketAsync(string path)
    {
        var deadline = DateTime.UtcNow + HangGuard; // hang guard
        while (true)
        {
            try
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await probe.ConnectAsync(new UnixDomainSocketEndPoint(path));
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }
}
