using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// A collector that reads this host's state runs only for a runtime whose processes live on
/// this kernel; for the others the runner writes a skipped entry instead, and the run stays
/// complete (a skip is no failure).
/// </summary>
public sealed class LiveHostGateTests
{
    [Theory]
    [InlineData(LocalityKind.Remote)]
    [InlineData(LocalityKind.DiskImage)]
    [InlineData(LocalityKind.Unknown)]
    public async Task A_host_collector_is_skipped_with_a_record_where_the_runtime_is_not_live_here(LocalityKind kind)
    {
        var locality = kind switch
        {
            LocalityKind.Remote => RuntimeLocality.Remote("the daemon is reached over TCP"),
            LocalityKind.DiskImage => RuntimeLocality.DiskImage("/mnt/image", "a disk image"),
            _ => RuntimeLocality.Unknown("not proven"),
        };
        var runtime = new FakeRuntime(locality, FakeRuntime.Running("web", 152));
        var host = new HostCollector(needsLiveHost: true);
        var writer = new RecordingArchiveWriter();

        var result = await Runner(host).RunAsync([runtime], new CollectionOptions(), writer, default);

        Assert.Empty(host.Collected);
        Assert.DoesNotContain("web", runtime.PidQueries);
        var skip = Assert.Single(writer.Entries, e => e.Entry.Path.Value.EndsWith("/volatile/host-state", StringComparison.Ordinal)).Entry;
        Assert.Equal(EntryStatus.Skipped, skip.Status);
        Assert.StartsWith("host state not collected: fake at fake://test is " + locality.Describe(), skip.Reason, StringComparison.Ordinal);
        Assert.Contains(locality.Why, skip.Reason, StringComparison.Ordinal);
        Assert.Equal(0, result.Failures);
        Assert.Empty(writer.Errors);
    }

    [Fact]
    public async Task A_host_collector_runs_for_a_runtime_on_this_host_or_nested_in_it()
    {
        var here = new FakeRuntime(RuntimeLocality.ThisHost("same pid namespace"), FakeRuntime.Running("a", 10));
        var nested = new FakeRuntime(RuntimeLocality.Nested(4242, 4026532301, "a kind node"), FakeRuntime.Running("b", 152));
        var host = new HostCollector(needsLiveHost: true);
        var writer = new RecordingArchiveWriter();

        await Runner(host).RunAsync([here, nested], new CollectionOptions(), writer, default);

        Assert.Equal(["a", "b"], host.Collected.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(writer.Entries, e => e.Entry.Status == EntryStatus.Skipped);
    }

    [Fact]
    public async Task A_collector_that_reads_nothing_of_the_host_runs_for_a_remote_runtime()
    {
        var runtime = new FakeRuntime(RuntimeLocality.Remote("tcp"), FakeRuntime.Running("web", 152));
        var collector = new HostCollector(needsLiveHost: false);

        await Runner(collector).RunAsync([runtime], new CollectionOptions(), new RecordingArchiveWriter(), default);

        Assert.Equal(["web"], collector.Collected);
    }

    [Fact]
    public void A_runtime_that_does_not_say_where_it_runs_is_not_taken_for_this_host()
    {
        var descriptor = new RuntimeDescriptor("x", "x://", null, null);
        Assert.Equal(LocalityKind.Unknown, descriptor.Locality.Kind);
        Assert.False(descriptor.Locality.HasLiveProcesses);
        Assert.False(descriptor.Locality.SharesHostPaths);
    }

    private static CollectionRunner Runner(IContainerEvidenceCollector collector) =>
        new(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, [collector]);

    private sealed class HostCollector(bool needsLiveHost) : IContainerEvidenceCollector
    {
        public List<string> Collected { get; } = [];

        public string Name => "host state";

        public CollectionPhase Phase => CollectionPhase.Volatile;

        public bool NeedsLiveHost => needsLiveHost;

        public Task CollectAsync(ContainerInfo container, IContainerRuntime runtime, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
        {
            lock (Collected)
            {
                Collected.Add(container.Name!);
            }
            return Task.CompletedTask;
        }
    }
}
