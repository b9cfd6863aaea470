using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Core.Watching;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Watching;

/// <summary>The watch's small parts: which action is which trigger, archive names, and the bounds that keep hours of watching in constant memory.</summary>
public sealed class WatchPartsTests
{
    [Theory]
    [InlineData("start", TriggerKind.Start)]
    [InlineData("exec_start: sh -c id", TriggerKind.Exec)] // Docker
    [InlineData("exec_start", TriggerKind.Exec)]           // containerd, mapped
    [InlineData("exec", TriggerKind.Exec)]                 // Podman
    [InlineData("die", TriggerKind.Die)]
    [InlineData("oom", TriggerKind.Oom)]
    [InlineData("kill", TriggerKind.Kill)]
    [InlineData("create", TriggerKind.Create)]
    [InlineData("exec_create: sh", null)]
    [InlineData("exec_die", null)]
    [InlineData("destroy", null)]
    [InlineData("health_status: healthy", null)]
    public void An_action_is_the_trigger_of_its_word(string action, TriggerKind? kind) => Assert.Equal(kind, TriggerKinds.Of(action));

    [Fact]
    public void Trigger_lists_are_comma_separated_repeatable_and_any_is_all()
    {
        Assert.Equal(new HashSet<TriggerKind> { TriggerKind.Start, TriggerKind.Die, TriggerKind.Kill }, TriggerKinds.Parse(["start, die", "kill"]));
        Assert.Equal(TriggerKinds.All.ToHashSet(), TriggerKinds.Parse(["any"]));
        var error = Assert.Throws<CfirException>(() => TriggerKinds.Parse(["start,stop"]));
        Assert.Equal(ExitCode.UsageError, error.ExitCode);
        Assert.Contains("'stop'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dead_container_gives_its_logs_and_layer_first_and_a_live_one_its_processes()
    {
        var start = TriggerKinds.Plan(TriggerKind.Start);
        Assert.True(start.HostEvidenceFirst);
        Assert.Equal(CollectionPhase.Volatile, start.Phases[0]);
        Assert.Equal([CollectionPhase.Logs, CollectionPhase.Volatile, CollectionPhase.Filesystem, CollectionPhase.Metadata], TriggerKinds.Plan(TriggerKind.Die).Phases);
        Assert.False(TriggerKinds.Plan(TriggerKind.Die).HostEvidenceFirst);
        Assert.DoesNotContain(CollectionPhase.Volatile, TriggerKinds.Plan(TriggerKind.Create).Phases);
        var exec = TriggerKinds.Plan(TriggerKind.Exec).StepsFor(new CollectionOptions { Filesystem = FilesystemMode.None }).ToList();
        Assert.Equal(2, exec.Count);
        Assert.Equal([CollectionPhase.Volatile, CollectionPhase.Logs], exec[0]);   // side by side
        Assert.Equal([CollectionPhase.Metadata], exec[1]);
    }

    [Fact]
    public void Archive_names_sort_by_time_and_keep_only_tame_characters_of_a_name()
    {
        var time = UnixTime.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 5, 53, 30, 123, TimeSpan.Zero));
        var c = new ContainerInfo { Runtime = "docker", Id = "3f2a9c1d0b7e" + new string('0', 52), Name = "/web" };
        Assert.Equal("20261207T055330.123Z_docker_web_3f2a9c1d0b7e_start_17.tar.gz", ArchiveNaming.For(time, "docker", c, TriggerKind.Start, 17, ".tar.gz"));
        var hostile = c with { Name = "../../etc/x\n" + new string('a', 100) };
        string name = ArchiveNaming.For(time, "docker", hostile, TriggerKind.Die, 1, ".zip");
        Assert.DoesNotContain('/', name);
        Assert.DoesNotContain('\n', name);
        Assert.True(name.Length < 120, name);
        // A container named after its id (containerd without a name label) is not named twice.
        Assert.Equal("20261207T055330.123Z_containerd_abc_exec_2.tar", ArchiveNaming.For(time, "containerd", new ContainerInfo { Runtime = "containerd", Id = "abc", Name = "abc" }, TriggerKind.Exec, 2, ".tar"));
    }

    [Fact]
    public void Recent_events_recognise_a_replay_and_forget_the_oldest_past_their_capacity()
    {
        var recent = new RecentEvents(capacity: 3);
        var events = Enumerable.Range(0, 5).Select(i => new ContainerEvent("docker", "c", "start", new UnixTime(i, 0)) { Raw = Encoding.UTF8.GetBytes($"{{\"n\":{i}}}") }).ToList();
        Assert.All(events, e => Assert.True(recent.Add(e)));
        Assert.False(recent.Add(events[4] with { }));  // replayed: same bytes
        Assert.False(recent.Add(events[2]));
        Assert.True(recent.Add(events[0]));           // forgotten: only the newest three are kept
    }

    [Fact]
    public void Known_containers_stay_within_their_capacity_and_forget_removed_ones()
    {
        var runtime = new FakeRuntime(RuntimeLocality.Unknown("test"));
        var known = new KnownContainers(capacity: 100);
        for (int i = 0; i < 10_000; i++)
        {
            string id = $"c{i}";
            known.Put(runtime, new ContainerInfo { Runtime = "fake", Id = id });
            for (int t = 0; t < 40; t++)
            {
                known.AddTrigger(runtime, id, new AcquisitionTrigger.EarlierArchive(t, "start", "x"));
            }
        }
        Assert.Equal(100, known.Count);
        Assert.Null(known.Get(runtime, "c0"));
        Assert.Equal(KnownContainers.MaxEarlier, known.AddTrigger(runtime, "c9999", new AcquisitionTrigger.EarlierArchive(99, "die", "y")).Count);
        known.Forget(runtime, "c9999");
        Assert.Null(known.Get(runtime, "c9999"));
        Assert.Equal(99, known.Count);
    }

    [Fact]
    public void The_index_keeps_a_json_event_as_it_came_and_anything_else_as_base64()
    {
        using var buffer = new MemoryStream();
        var runtime = new FakeRuntime(RuntimeLocality.Unknown("test"));
        var c = new ContainerInfo { Runtime = "fake", Id = "c1", Name = "c1" };
        byte[] json = """{"Action":"start","odd":"\u00e9 kept as sent"}"""u8.ToArray();
        byte[] proto = [0x0a, 0x02, 0x0a, 0x0d];
        using (var index = new WatchIndex(buffer))
        {
            foreach (var (raw, format) in new[] { (json, ContainerEvent.JsonFormat), (proto, "protobuf:containerd.services.events.v1.Envelope"), ("{\"a\":1}\n{}"u8.ToArray(), ContainerEvent.JsonFormat) })
            {
                var e = new ContainerEvent("fake", "c1", "start", new UnixTime(1, 0)) { Raw = raw, RawFormat = format };
                index.Trigger(new TriggerOutcome
                {
                    Trigger = new WatchTrigger { Seq = 1, Kind = TriggerKind.Start, Runtime = runtime, Event = e, ReceivedAt = new UnixTime(1, 5), Container = c, ArchiveName = "x.tar" },
                    Outcome = IndexFields.Outcomes.Dropped,
                    Reason = "test",
                });
            }
        }
        string[] lines = Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(Encoding.UTF8.GetString(json), lines[0], StringComparison.Ordinal); // byte for byte, escapes and all
        var second = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(proto, second.GetProperty(IndexFields.EventBase64).GetBytesFromBase64());
        Assert.False(second.TryGetProperty(IndexFields.Event, out _));
        Assert.True(JsonDocument.Parse(lines[2]).RootElement.TryGetProperty(IndexFields.EventBase64, out _)); // two values, or a line break: not embedded
    }

    [Fact]
    public async Task A_freed_slot_goes_to_a_trigger_that_has_not_begun_before_a_later_phase()
    {
        var slots = new PrioritySlots(1);
        await slots.EnterAsync(urgent: false, CancellationToken.None);   // a collection under way holds the only slot
        var later = slots.EnterAsync(urgent: false, CancellationToken.None);
        var urgent = slots.EnterAsync(urgent: true, CancellationToken.None);
        Assert.False(later.IsCompleted);
        Assert.False(urgent.IsCompleted);
        slots.Release();
        await urgent.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(later.IsCompleted);
        slots.Release();
        await later.WaitAsync(TimeSpan.FromSeconds(10));
        // A waiter that gives up is skipped: the slot is not lost.
        using var cancel = new CancellationTokenSource();
        var gaveUp = slots.EnterAsync(urgent: true, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        slots.Release();
        await slots.EnterAsync(urgent: false, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
