using System.Collections.Concurrent;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// The runner with several containers of a phase at once (--parallel): phases still follow the
/// order of volatility, one container's failure or disappearance leaves the others alone, the
/// archive writer is never entered by two at a time, a broken output and cancellation still stop
/// the run. The runtime waits until the containers it expects are inside together, so a runner
/// that went one by one would hit the hang guard and fail.
/// </summary>
public sealed class ConcurrentCollectionTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private static ContainerInfo Running(int i) => new() { Runtime = "test", Id = $"{i:D2}cafe", Name = $"c{i:D2}", State = "running" };

    private static readonly ContainerInfo[] Eight = Enumerable.Range(1, 8).Select(Running).ToArray();

    private static CollectionRunner Runner(params IContainerEvidenceCollector[] collectors) =>
        new(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, collectors);

    private static CollectionOptions Parallel(int n) => new() { Parallelism = n };

    [Fact]
    public async Task Containers_of_a_phase_overlap_but_phases_keep_the_order_of_volatility()
    {
        var gate = new Gate { Together = 4 };
        var runtime = gate.Runtime(Eight);
        var writer = new RecordingArchiveWriter();
        var result = await Runner(new HostCollector(runtime.Calls)).RunAsync([runtime], Parallel(4), writer, default).WaitAsync(HangGuard);

        Assert.Empty(writer.Errors);
        Assert.Equal(0, result.Failures);
        Assert.Equal(4, gate.MostInsideAtOnce);
        var calls = runtime.Calls.ToList();
        int Last(string prefix) => calls.FindLastIndex(c => c.StartsWith(prefix, StringComparison.Ordinal));
        int First(string prefix) => calls.FindIndex(c => c.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(Last("Volatile ") < First("engine") && First("engine") < First("Metadata "), string.Join(", ", calls));
        Assert.True(Last("host ") < First("engine"), string.Join(", ", calls));
        Assert.True(Last("Metadata ") < First("Logs ") && Last("Logs ") < First("Filesystem "), string.Join(", ", calls));
        // Every container went through every phase, and its host evidence came after its runtime's volatile work.
        foreach (var c in Eight)
        {
            foreach (var phase in new[] { "Volatile", "Metadata", "Logs", "Filesystem" })
            {
                Assert.Single(calls, x => x == $"{phase} {c.Name}");
            }
            Assert.True(calls.IndexOf($"Volatile {c.Name}") < calls.IndexOf($"host {c.Name}"));
        }
        // PhaseStarting saw the whole phase before any of its containers was collected.
        Assert.Equal(8, gate.Announced[CollectionPhase.Volatile]);
        Assert.True(calls.IndexOf("starting Volatile") < First("Volatile "));
    }

    [Fact]
    public async Task The_writer_is_never_entered_by_two_at_once_and_loses_nothing()
    {
        // Content is pulled slowly and records an error of its own while it is being read.
        var runtime = new Gate { Together = 4, EntriesPerPhase = 5, ErrorWhileRead = true }.Runtime(Eight);
        var writer = new RecordingArchiveWriter();
        await Runner().RunAsync([runtime], Parallel(4), writer, default).WaitAsync(HangGuard);

        Assert.Equal(0, writer.Overlaps);
        Assert.Equal(8 * 4 * 5, writer.Entries.Count);
        Assert.Equal(8 * 4 * 5, writer.Entries.Select(e => e.Entry.Path.Value).Distinct().Count());
        Assert.Equal(8 * 4 * 5, writer.Errors.Count(e => e.Message.StartsWith("read note", StringComparison.Ordinal)));
        // Each container's entries of a phase keep their own order, whatever the interleaving.
        foreach (var c in Eight)
        {
            var mine = writer.Entries.Where(e => e.Entry.Source!.ContainerId == c.Id && e.Entry.Path.Value.Contains("/volatile/", StringComparison.Ordinal)).Select(e => e.Entry.Path.Value[^5..]).ToList();
            Assert.Equal(["e0.gz", "e1.gz", "e2.gz", "e3.gz", "e4.gz"], mine.Select(p => p[^5..]));
        }
    }

    [Fact]
    public async Task A_container_that_fails_or_vanishes_leaves_the_one_beside_it_alone()
    {
        var a = Running(1);
        var b = Running(2);
        var c = Running(3);
        var runtime = new Gate
        {
            Together = 3,
            // While all three are inside the volatile phase: a vanishes, b fails, c carries on.
            Fail = (x, p) => p == CollectionPhase.Volatile && x == a ? new ContainerGoneException(a.Id, "404 no such container")
                : p == CollectionPhase.Volatile && x == b ? new InvalidOperationException("daemon said 500") : null,
        }.Runtime([a, b, c]);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunAsync([runtime], Parallel(3), writer, default).WaitAsync(HangGuard);

        Assert.Equal(CollectionPhase.Volatile, Assert.Single(result.Gone).Value);
        Assert.Equal(a, result.Gone.Single().Key);
        Assert.DoesNotContain("Metadata c01", runtime.Calls);
        Assert.Contains("Metadata c02", runtime.Calls);
        Assert.Contains("Filesystem c03", runtime.Calls);
        Assert.Contains(writer.Errors, e => e.ContainerId == a.Id && e.Message.Contains("vanished during the volatile phase", StringComparison.Ordinal));
        var failed = Assert.Single(writer.Errors, e => e.ContainerId == b.Id);
        Assert.Contains("daemon said 500", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(writer.Errors, e => e.ContainerId == c.Id);
        Assert.Equal(20, writer.Entries.Count(e => e.Entry.Source!.ContainerId == c.Id)); // 4 phases x 5 entries
        Assert.Equal(2, result.Failures);
    }

    [Fact]
    public async Task A_broken_output_stops_every_worker_and_is_what_the_run_throws()
    {
        var runtime = new Gate { Together = 4 }.Runtime(Eight);
        var writer = new RecordingArchiveWriter { FailOn = e => e.Path.Value.Contains("/c03_", StringComparison.Ordinal) ? new ArchiveOutputException("disk full") : null };
        var ex = await Assert.ThrowsAsync<ArchiveOutputException>(() => Runner().RunAsync([runtime], Parallel(4), writer, default).WaitAsync(HangGuard));
        Assert.Equal(ExitCode.OutputError, ex.ExitCode);
        Assert.DoesNotContain(runtime.Calls, c => c.StartsWith("Metadata ", StringComparison.Ordinal) || c == "engine");
    }

    [Fact]
    public async Task Cancellation_during_a_concurrent_phase_interrupts_the_run()
    {
        using var cts = new CancellationTokenSource();
        var runtime = new Gate { Together = 4, OnInside = (c, p) => { if (c.Name == "c02") { cts.Cancel(); } } }.Runtime(Eight);
        var writer = new RecordingArchiveWriter();
        var result = await Runner().RunAsync([runtime], Parallel(4), writer, cts.Token).WaitAsync(HangGuard);
        Assert.True(result.Interrupted);
        Assert.DoesNotContain(runtime.Calls, c => c.StartsWith("Metadata ", StringComparison.Ordinal));
        Assert.Contains(writer.Errors, e => e.Scope == "run");
    }

    /// <summary>
    /// The script of a <see cref="FakeRuntime"/> whose phase work waits until <see cref="Together"/>
    /// containers (or all the phase has, as announced by PhaseStarting) are inside at once, then
    /// adds its entries.
    /// </summary>
    private sealed class Gate
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<CollectionPhase, int> _entered = [];
        private readonly Dictionary<CollectionPhase, TaskCompletionSource> _gates = [];
        private int _inside;

        public Dictionary<CollectionPhase, int> Announced { get; } = [];

        public int Together { get; init; } = 1;

        public int EntriesPerPhase { get; init; } = 5;

        public bool ErrorWhileRead { get; init; }

        public int MostInsideAtOnce { get; private set; }

        /// <summary>Asked once every container the gate waits for is inside.</summary>
        public Func<ContainerInfo, CollectionPhase, Exception?> Fail { get; init; } = (_, _) => null;

        public Action<ContainerInfo, CollectionPhase> OnInside { get; init; } = (_, _) => { };

        public FakeRuntime Runtime(IReadOnlyList<ContainerInfo> containers)
        {
            FakeRuntime? runtime = null;
            runtime = new FakeRuntime(RuntimeLocality.Unknown("test"), containers)
            {
                Descriptor = new RuntimeDescriptor("test", "test://", "1", null),
                InitPid = _ => 4242,
                OnPhaseStarting = (phase, announced) =>
                {
                    runtime!.Calls.Enqueue($"starting {phase}");
                    Announced[phase] = announced.Count;
                },
                Work = WorkAsync,
            };
            return runtime;
        }

        private async Task WorkAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CancellationToken cancellationToken)
        {
            Task gate;
            lock (_lock)
            {
                _inside++;
                MostInsideAtOnce = Math.Max(MostInsideAtOnce, _inside);
                _entered[phase] = _entered.GetValueOrDefault(phase) + 1;
                if (!_gates.TryGetValue(phase, out var tcs))
                {
                    _gates[phase] = tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                if (_entered[phase] >= Math.Min(Together, Announced[phase]))
                {
                    tcs.TrySetResult();
                }
                gate = tcs.Task;
            }
            try
            {
                await gate.WaitAsync(cancellationToken);
                OnInside(container, phase);
                cancellationToken.ThrowIfCancellationRequested();
                if (Fail(container, phase) is { } ex)
                {
                    throw ex;
                }
                for (int i = 0; i < EntriesPerPhase; i++)
                {
                    await sink.AddAsync(new EvidenceItem
                    {
                        Section = phase switch
                        {
                            CollectionPhase.Volatile => EvidenceSection.Volatile,
                            CollectionPhase.Metadata => EvidenceSection.Metadata,
                            CollectionPhase.Logs => EvidenceSection.Logs,
                            _ => EvidenceSection.FilesystemChanged,
                        },
                        Name = $"e{i}.gz",
                        Content = new SlowContent(ErrorWhileRead ? sink : null),
                    }, cancellationToken);
                }
            }
            finally
            {
                lock (_lock)
                {
                    _inside--;
                }
            }
        }
    }

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

    /// <summary>Three small reads with a pause between each; optionally records an error while being read (from inside the writer's turn).</summary>
    private sealed class SlowContent(IEvidenceSink? sink) : IEvidenceContent
    {
        private bool _noted;

        public long? Length => 3;

        public IReadOnlyList<DataSegment>? Segments => null;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            await Task.Delay(1, cancellationToken);
            if (sink is not null && !_noted)
            {
                _noted = true;
                sink.RecordError("read note");
            }
            if (offset >= 3 || buffer.Length == 0)
            {
                return 0;
            }
            buffer.Span[0] = (byte)'x';
            return 1;
        }

        public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ContentReadNote?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
