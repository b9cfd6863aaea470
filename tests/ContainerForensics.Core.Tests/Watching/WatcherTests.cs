using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Core.Watching;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Watching;

/// <summary>
/// The watch scheduler against fake followed runtimes: a trigger is one sealed archive and one
/// index line; what is not a trigger or not selected is nothing; a full queue drops with the
/// reason; a reconnect asks again from the last event and collects nothing twice; a signal seals
/// what is under way as interrupted and drops what waited; --until lets the queue finish.
/// </summary>
public sealed class WatcherTests
{
    private static ContainerInfo Running(string name, Dictionary<string, string>? labels = null) =>
        new() { Runtime = "fake", Id = name + "0123456789abcdef", Name = name, State = "running", Pid = 4242, Labels = labels ?? [] };

    /// <summary>A runtime that captures one entry in each phase, so every archive has evidence of its container.</summary>
    private static FakeFollowedRuntime Runtime(params ContainerInfo[] containers) => Runtime(null, containers);

    private static FakeFollowedRuntime Runtime(Func<ContainerInfo, CollectionPhase, IEvidenceSink, CancellationToken, Task>? work, params ContainerInfo[] containers) =>
        new(new FakeRuntime(RuntimeLocality.Unknown("test"), containers)
        {
            Captures = (c, p) => [EvidenceItem.Json(p switch
            {
                CollectionPhase.Volatile => EvidenceSection.Volatile,
                CollectionPhase.Logs => EvidenceSection.Logs,
                _ => EvidenceSection.Metadata,
            }, $"{p}.json", "{}"u8.ToArray(), "fake")],
            Work = work,
        });

    [Fact]
    public async Task A_start_of_a_selected_container_is_one_sealed_archive_and_one_index_line()
    {
        var web = Running("web");
        var runtime = Runtime(web);
        using var watch = new WatchHarness(runtime);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        var e = runtime.Publish(web.Id, "start", name: "web");
        await watch.WaitForOutcomesAsync(1);
        var result = await watch.InterruptAsync();

        var (name, archive) = Assert.Single(watch.Archives);
        Assert.Matches(@"^\d{8}T\d{6}\.\d{3}Z_fake_web_web0123456789abcdef_start_1\.tar\.gz$", name);
        Assert.NotNull(archive.Sealed);
        Assert.True(archive.Sealed!.Complete);
        // The acquisition record names the trigger; the event's bytes are an entry of their own, byte-exact.
        var record = JsonDocument.Parse(archive.Entries[0].Bytes!).RootElement;
        var trigger = record.GetProperty(AcquisitionFields.Trigger);
        Assert.Equal("start", trigger.GetProperty(AcquisitionFields.InTrigger.Kind).GetString());
        Assert.Equal(1, trigger.GetProperty(AcquisitionFields.InTrigger.Seq).GetInt64());
        Assert.Equal(web.Id, trigger.GetProperty(AcquisitionFields.InTrigger.ContainerId).GetString());
        Assert.Equal("acquisition/trigger-event.json", archive.Entries[1].Entry.Path.Value);
        Assert.Equal(e.Raw.ToArray(), archive.Entries[1].Bytes);
        // Volatile first with the logs alongside, then the rest of the plan for a start.
        Assert.Equal(["Metadata web", "Filesystem web"], runtime.Inner.Calls.Skip(2));
        Assert.Equal(["Logs web", "Volatile web"], runtime.Inner.Calls.Take(2).Order(StringComparer.Ordinal));

        var line = Assert.Single(watch.TriggerLines());
        Assert.Equal("collected", line.GetProperty(IndexFields.Outcome).GetString());
        Assert.Equal("complete", line.GetProperty(IndexFields.Status).GetString());
        Assert.Equal(name, line.GetProperty(IndexFields.Archive).GetString());
        Assert.Equal("start", line.GetProperty(IndexFields.Event).GetProperty("Action").GetString()); // the event's own JSON
        Assert.Equal("containers/fake/-/web_web0123456789abcdef/volatile/Volatile.json", line.GetProperty(IndexFields.FirstEvidence).GetString());
        Assert.True(line.GetProperty(IndexFields.LatencyMs).GetDouble() >= 0);
        Assert.True(result.Interrupted);
        Assert.Equal(1, result.Counts.Collected);
    }

    [Fact]
    public async Task Events_that_are_no_trigger_or_about_containers_not_selected_are_not_collected()
    {
        var web = Running("web", new() { ["app"] = "web" });
        var db = Running("db", new() { ["app"] = "db" });
        var runtime = Runtime(web, db);
        using var watch = new WatchHarness(runtime) { Options = new CollectionOptions { Selector = new ContainerSelector { Labels = [new("app", "web")] } } };
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        runtime.Publish(db.Id, "start");          // not selected
        runtime.Publish(web.Id, "attach");        // no trigger
        runtime.Publish(web.Id, "create");        // not among the default triggers
        runtime.Publish(web.Id, "exec_start: sh -c id");
        await watch.WaitForOutcomesAsync(1);
        var result = await watch.InterruptAsync();

        var line = Assert.Single(watch.TriggerLines());
        Assert.Equal("exec", line.GetProperty(IndexFields.Trigger).GetString());
        Assert.Equal(web.Id, line.GetProperty(IndexFields.ContainerId).GetString());
        Assert.Equal(1, result.Counts.Seen);
    }

    [Fact]
    public async Task A_full_queue_drops_with_the_reason_and_the_index_accounts_for_every_trigger()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var containers = Enumerable.Range(1, 6).Select(i => Running($"c{i}")).ToArray();
        var runtime = Runtime((c, p, sink, ct) => p == CollectionPhase.Volatile ? release.Task.WaitAsync(ct) : Task.CompletedTask, containers);
        using var watch = new WatchHarness(runtime);
        _ = watch.Start(s => s with { Parallelism = 1, QueueCapacity = 2 });
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        runtime.Publish(containers[0].Id, "start");
        // The first is being collected (held in its volatile phase), two may wait, the other three are dropped.
        await WaitUntilAsync(() => runtime.Inner.Calls.Contains("Volatile c1"));
        foreach (var c in containers.Skip(1))
        {
            runtime.Publish(c.Id, "start");
        }
        await watch.WaitForOutcomesAsync(3);
        release.SetResult();
        await watch.WaitForOutcomesAsync(6);
        var result = await watch.InterruptAsync();

        var lines = watch.TriggerLines();
        Assert.Equal([1, 2, 3, 4, 5, 6], lines.Select(l => l.GetProperty(IndexFields.Seq).GetInt64()));
        Assert.Equal(3, lines.Count(l => l.GetProperty(IndexFields.Outcome).GetString() == "collected"));
        var dropped = lines.Where(l => l.GetProperty(IndexFields.Outcome).GetString() == "dropped").ToList();
        Assert.Equal(3, dropped.Count);
        Assert.All(dropped, d => Assert.Contains("the queue was full: 2 trigger(s) waiting", d.GetProperty(IndexFields.Reason).GetString(), StringComparison.Ordinal));
        Assert.All(dropped, d => Assert.False(d.TryGetProperty(IndexFields.Archive, out _)));
        Assert.Equal(3, watch.Archives.Count);
        var end = watch.IndexLines()[^1];
        Assert.Equal(6, end.GetProperty(IndexFields.Seen).GetInt64());
        Assert.Equal(3, end.GetProperty(IndexFields.Dropped).GetInt64());
        Assert.Equal(3, result.Counts.Collected);
    }

    [Fact]
    public async Task A_reconnect_asks_again_from_a_margin_before_the_last_event_and_collects_nothing_twice()
    {
        var a = Running("a");
        var b = Running("b");
        var runtime = Runtime(a, b);
        using var watch = new WatchHarness(runtime);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        var first = runtime.Publish(a.Id, "start");
        await watch.WaitForOutcomesAsync(1);
        runtime.Disconnect();                     // the daemon went away
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 2);
        runtime.Publish(b.Id, "start");           // after the restart
        await watch.WaitForOutcomesAsync(2);
        await Task.Delay(200);                    // a replayed duplicate would have been queued by now
        await watch.InterruptAsync();

        // Asked again from a margin before the last event's time (not before the first subscription's):
        // the daemon replays it, and it is not collected again.
        var since = runtime.Subscriptions.ToArray();
        Assert.True(since[1]!.Value <= first.Time.ToDateTimeOffset());
        Assert.True(since[1]!.Value >= first.Time.ToDateTimeOffset() - EventFeed.ReplayMargin - TimeSpan.FromTicks(1));
        Assert.True(since[1]!.Value >= since[0]!.Value);
        Assert.Equal(["a", "b"], watch.TriggerLines().Select(l => l.GetProperty(IndexFields.ContainerName).GetString()));
        var sources = watch.IndexLines().Where(l => l.GetProperty(IndexFields.Type).GetString() == "source").ToList();
        Assert.Equal(["disconnected", "resumed"], sources.Select(s => s.GetProperty(IndexFields.State).GetString()));
        Assert.True(sources[0].GetProperty(IndexFields.ReplaysSince).GetBoolean());
        Assert.Contains(watch.SourceMessages, m => m.Contains("asked again from", StringComparison.Ordinal));
    }

    /// <summary>
    /// Podman's event log is in the order its processes wrote, not in time order: an event
    /// written after the stream ended may carry a time before the last event seen (CI lost a
    /// die that way across a rotation of the log). The reconnect reaches back before the last
    /// event's time and still collects nothing twice.
    /// </summary>
    [Fact]
    public async Task A_reconnect_reaches_back_for_an_event_written_later_with_an_earlier_time()
    {
        var a = Running("a");
        var b = Running("b");
        var runtime = Runtime(a, b);
        using var watch = new WatchHarness(runtime);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        await Task.Delay(1500);                   // so that a second before the first event is after the watch began
        var first = runtime.Publish(a.Id, "start");
        await watch.WaitForOutcomesAsync(1);
        runtime.Disconnect();
        // Written while no stream is open (the feed waits 100 ms before it asks again), dated before `first`.
        runtime.Publish(b.Id, "start", first.Time.ToDateTimeOffset().AddSeconds(-1));
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 2);
        await watch.WaitForOutcomesAsync(2);
        await Task.Delay(200);                    // a replayed duplicate would have been queued by now
        await watch.InterruptAsync();

        Assert.Equal(["a", "b"], watch.TriggerLines().Select(l => l.GetProperty(IndexFields.ContainerName).GetString()));
    }

    [Fact]
    public async Task A_source_that_cannot_replay_says_so_when_it_loses_its_stream()
    {
        var a = Running("a");
        var runtime = new FakeFollowedRuntime(new FakeRuntime(RuntimeLocality.Unknown("test"), a)) { ReplaysSince = false };
        using var watch = new WatchHarness(runtime);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        runtime.Disconnect();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 2);
        await watch.InterruptAsync();

        var source = Assert.Single(watch.IndexLines(), l => l.GetProperty(IndexFields.Type).GetString() == "source");
        Assert.False(source.GetProperty(IndexFields.ReplaysSince).GetBoolean());
        Assert.Contains(watch.SourceMessages, m => m.Contains("cannot replay", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signal_seals_the_collections_under_way_as_interrupted_and_drops_what_waited()
    {
        var containers = Enumerable.Range(1, 3).Select(i => Running($"c{i}")).ToArray();
        var runtime = Runtime((c, p, sink, ct) => p == CollectionPhase.Volatile ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask, containers);
        using var watch = new WatchHarness(runtime);
        _ = watch.Start(s => s with { Parallelism = 1 });
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        foreach (var c in containers)
        {
            runtime.Publish(c.Id, "start");
        }
        await WaitUntilAsync(() => runtime.Inner.Calls.Contains("Volatile c1"));
        var result = await watch.InterruptAsync();

        Assert.True(result.Interrupted);
        Assert.Equal(ExitCode.Interrupted, result.Code);
        var (_, archive) = Assert.Single(watch.Archives);
        Assert.NotNull(archive.Sealed);
        Assert.False(archive.Sealed!.Complete);
        var lines = watch.TriggerLines();
        Assert.Equal(3, lines.Count);
        Assert.True(lines[0].GetProperty(IndexFields.Interrupted).GetBoolean());
        Assert.Equal("partial", lines[0].GetProperty(IndexFields.Status).GetString());
        Assert.All(lines.Skip(1), l =>
        {
            Assert.Equal("dropped", l.GetProperty(IndexFields.Outcome).GetString());
            Assert.Contains("stopped (SIGINT) before its collection began", l.GetProperty(IndexFields.Reason).GetString(), StringComparison.Ordinal);
        });
        var end = watch.IndexLines()[^1];
        Assert.Equal(IndexFields.Types.WatchEnded, end.GetProperty(IndexFields.Type).GetString());
        Assert.Equal("interrupted by SIGINT", end.GetProperty(IndexFields.Reason).GetString());
    }

    [Fact]
    public async Task Until_stops_the_feeds_and_what_was_queued_is_still_collected()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var containers = Enumerable.Range(1, 3).Select(i => Running($"c{i}")).ToArray();
        var runtime = Runtime((c, p, sink, ct) => p == CollectionPhase.Volatile ? release.Task.WaitAsync(ct) : Task.CompletedTask, containers);
        using var watch = new WatchHarness(runtime);
        var running = watch.Start(s => s with { Parallelism = 1, Until = TimeSpan.FromSeconds(1) });
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        foreach (var c in containers)
        {
            runtime.Publish(c.Id, "start");
        }
        await Task.Delay(1500);                   // past --until, the first still held
        runtime.Publish(containers[0].Id, "die"); // after the end: not seen
        release.SetResult();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(result.Interrupted);
        Assert.Equal(ExitCode.Complete, result.Code);
        Assert.Equal(3, result.Counts.Complete);
        Assert.All(watch.TriggerLines(), l => Assert.Equal("complete", l.GetProperty(IndexFields.Status).GetString()));
        Assert.StartsWith("--until", watch.IndexLines()[^1].GetProperty(IndexFields.Reason).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_trigger_takes_its_most_volatile_evidence_first_and_names_the_archives_before_it()
    {
        var web = Running("web");
        var runtime = Runtime(web);
        var calls = runtime.Inner.Calls;
        using var watch = new WatchHarness(runtime) { Collectors = () => [new HostCollector(calls)] };
        _ = watch.Start(s => s with { Parallelism = 1, Triggers = TriggerKinds.Parse(["any"]) });
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        runtime.Publish(web.Id, "start");
        await watch.WaitForOutcomesAsync(1);
        runtime.Publish(web.Id, "die");
        await watch.WaitForOutcomesAsync(2);
        await watch.InterruptAsync();

        // start: the host's /proc evidence before the runtime's volatile work, its output alongside, then its metadata;
        // die: logs with the volatile phase alongside, then the writable layer before the metadata.
        var order = calls.ToList();
        Assert.True(order.IndexOf("host web") < order.IndexOf("Volatile web"), string.Join(", ", order));
        Assert.Equal(["Logs web", "Volatile web", "host web"], order.Take(3).Order(StringComparer.Ordinal));
        Assert.Equal(["Metadata web", "Filesystem web"], order.Skip(3).Take(2));
        Assert.Equal(["Logs web", "Volatile web", "host web"], order.Skip(5).Take(3).Order(StringComparer.Ordinal));
        Assert.Equal(["Filesystem web", "Metadata web"], order.Skip(8));
        var die = watch.Archives.Single(a => a.Key.Contains("_die_2", StringComparison.Ordinal)).Value;
        var earlier = JsonDocument.Parse(die.Entries[0].Bytes!).RootElement.GetProperty(AcquisitionFields.Trigger).GetProperty(AcquisitionFields.InTrigger.Earlier);
        var start = Assert.Single(earlier.EnumerateArray());
        Assert.Equal(1, start.GetProperty(AcquisitionFields.InTrigger.Seq).GetInt64());
        Assert.Equal("start", start.GetProperty(AcquisitionFields.InTrigger.Kind).GetString());
        Assert.Equal(watch.Archives.Keys.Single(k => k.Contains("_start_1", StringComparison.Ordinal)), start.GetProperty(AcquisitionFields.InTrigger.Archive).GetString());
    }

    [Fact]
    public async Task A_container_gone_before_its_turn_still_gets_an_archive_that_says_so()
    {
        var web = Running("web");
        var runtime = new FakeFollowedRuntime(new FakeRuntime(RuntimeLocality.Unknown("test"), web)
        {
            Fail = (c, p) => new ContainerGoneException(c.Id, "404 no such container"),
        });
        using var watch = new WatchHarness(runtime);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        runtime.Publish(web.Id, "start");
        await watch.WaitForOutcomesAsync(1);
        runtime.Remove(web.Id);
        runtime.Publish(web.Id, "die");
        await watch.WaitForOutcomesAsync(2);
        await watch.InterruptAsync();

        var die = watch.TriggerLines()[1];
        Assert.Equal("collected", die.GetProperty(IndexFields.Outcome).GetString());
        Assert.Equal("partial", die.GetProperty(IndexFields.Status).GetString());
        Assert.Contains(die.GetProperty(IndexFields.Vanished).GetString(), (string[])["logs", "volatile"]); // read side by side
        var archive = watch.Archives.Single(a => a.Key.Contains("_die_", StringComparison.Ordinal)).Value;
        Assert.Contains(archive.Errors, e => e.Message.Contains("vanished during the logs phase", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_container_another_watched_runtime_manages_is_left_to_that_runtime()
    {
        var dockerSide = new ContainerInfo { Runtime = "docker", Id = "d0d0d0d0d0d0d0", Name = "web", State = "running" };
        var containerdSide = dockerSide with { Runtime = "containerd", RuntimeNamespace = "moby", ManagedBy = new ContainerRef("docker", dockerSide.Id) };
        var docker = new FakeFollowedRuntime(new FakeRuntime(RuntimeLocality.Unknown("test"), dockerSide) { Descriptor = new RuntimeDescriptor("docker", "fake://docker", "1", null) });
        var containerd = new FakeFollowedRuntime(new FakeRuntime(RuntimeLocality.Unknown("test"), containerdSide) { Descriptor = new RuntimeDescriptor("containerd", "fake://containerd", "1", null) });
        using var watch = new WatchHarness(docker, containerd);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(docker, 1);
        await WatchHarness.WaitForSubscriptionsAsync(containerd, 1);
        containerd.Publish(containerdSide.Id, "start");
        docker.Publish(dockerSide.Id, "start");
        await watch.WaitForOutcomesAsync(1);
        await Task.Delay(200);
        await watch.InterruptAsync();

        var line = Assert.Single(watch.TriggerLines());
        Assert.Equal("fake://docker", line.GetProperty(IndexFields.Endpoint).GetString());
    }

    [Fact]
    public async Task The_index_closes_with_the_hash_of_every_line_above_it()
    {
        var web = Running("web");
        var runtime = Runtime(web);
        using var watch = new WatchHarness(runtime);
        _ = watch.Start();
        await WatchHarness.WaitForSubscriptionsAsync(runtime, 1);
        runtime.Publish(web.Id, "start");
        await watch.WaitForOutcomesAsync(1);
        await watch.InterruptAsync();

        byte[] bytes = File.ReadAllBytes(Path.Combine(watch.Directory, WatchIndex.FileName));
        int lastLine = Array.LastIndexOf(bytes, (byte)'\n', bytes.Length - 2) + 1;
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, lastLine)));
        var end = JsonDocument.Parse(bytes.AsMemory(lastLine)).RootElement;
        Assert.Equal(expected, end.GetProperty(IndexFields.IndexSha256).GetString());
        var start = watch.IndexLines()[0];
        Assert.Equal(IndexFields.Types.WatchStarted, start.GetProperty(IndexFields.Type).GetString());
        Assert.Equal(["start", "exec", "die", "oom"], start.GetProperty(IndexFields.Triggers).EnumerateArray().Select(t => t.GetString()));
        Assert.True(Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == watch.IndexLines().Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // hang guard
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }

    /// <summary>A runtime-agnostic volatile collector that only says when it ran.</summary>
    private sealed class HostCollector(ConcurrentQueue<string> calls) : IContainerEvidenceCollector
    {
        public string Name => "host";

        public CollectionPhase Phase => CollectionPhase.Volatile;

        public bool NeedsLiveHost => false;

        public Task CollectAsync(ContainerInfo container, IContainerRuntime runtime, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
        {
            calls.Enqueue($"host {container.Name}");
            return Task.CompletedTask;
        }
    }
}
