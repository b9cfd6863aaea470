using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// Evidence a collector defers (<see cref="IEvidenceSink.DeferAsync"/>): the phase goes on
/// without it, it is written when its answer comes, the run waits for it before it returns
/// (the caller seals next), and how it failed is recorded on its own scope. The deferred work
/// here waits for a later phase to begin, so a runner that awaited it in place would hang and
/// hit the guard.
/// </summary>
public sealed class DeferredEvidenceTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private static readonly ContainerInfo[] Three = Enumerable.Range(1, 3)
        .Select(i => new ContainerInfo { Runtime = "test", Id = $"{i:D2}beef", Name = $"c{i:D2}", State = "running" }).ToArray();

    private static CollectionRunner Runner() => new(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None);

    [Fact]
    public async Task Deferred_work_does_not_hold_its_phase_and_is_written_before_the_run_returns()
    {
        var runtime = new LateAnswers().Runtime(Three);
        var writer = new RecordingArchiveWriter();

        var result = await Runner().RunAsync([runtime], new CollectionOptions { Parallelism = 2 }, writer, default).WaitAsync(HangGuard);

        Assert.Equal(0, result.Failures);
        Assert.Empty(writer.Errors);
        foreach (var c in Three)
        {
            // Written once, after the logs phase began (the work waited for it), with the answer it got.
            var late = Assert.Single(writer.Entries, e => e.Entry.Source!.ContainerId == c.Id && e.Entry.Path.Value.EndsWith("/volatile/late.json", StringComparison.Ordinal));
            Assert.True(writer.Entries.IndexOf(late) > writer.Entries.FindIndex(e => e.Entry.Path.Value.EndsWith("/logs/log", StringComparison.Ordinal)));
            Assert.Equal($"answer for {c.Name}", late.Entry.Source!.Description);
        }
        Assert.True(runtime.Calls.ToList().IndexOf("Logs c01") < runtime.Calls.ToList().IndexOf("answered c01"));
    }

    [Fact]
    public async Task Work_deferred_by_deferred_work_is_waited_for_too()
    {
        var runtime = new LateAnswers { Nested = true }.Runtime(Three);
        var writer = new RecordingArchiveWriter();

        await Runner().RunAsync([runtime], new CollectionOptions(), writer, default).WaitAsync(HangGuard);

        Assert.Equal(3, writer.Entries.Count(e => e.Entry.Path.Value.EndsWith("/volatile/nested.json", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_failure_or_a_vanished_container_in_deferred_work_is_recorded_on_its_scope_and_counted()
    {
        var runtime = new LateAnswers
        {
            Fail = c => c == Three[0] ? new InvalidOperationException("daemon said 500")
                : c == Three[1] ? new ContainerGoneException(c.Id, "404 no such container") : null,
        }.Runtime(Three);
        var writer = new RecordingArchiveWriter();

        var result = await Runner().RunAsync([runtime], new CollectionOptions(), writer, default).WaitAsync(HangGuard);

        Assert.Equal(2, result.Failures);
        var failed = Assert.Single(writer.Errors, e => e.ContainerId == Three[0].Id);
        Assert.Equal("late.json failed: daemon said 500", failed.Message);
        Assert.Equal("volatile of test/01beef", failed.Scope);
        var gone = Assert.Single(writer.Errors, e => e.ContainerId == Three[1].Id);
        Assert.StartsWith("late.json not collected: the container vanished before its answer came", gone.Message, StringComparison.Ordinal);
        // The failure was the deferred evidence's, not the phase's: the container was not marked gone.
        Assert.Empty(result.Gone);
        Assert.Single(writer.Entries, e => e.Entry.Source!.ContainerId == Three[2].Id && e.Entry.Path.Value.EndsWith("/late.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancellation_ends_deferred_work_and_says_so()
    {
        using var cts = new CancellationTokenSource();
        var runtime = new LateAnswers { NeverAnswer = true, OnLogs = () => cts.Cancel() }.Runtime(Three);
        var writer = new RecordingArchiveWriter();

        var result = await Runner().RunAsync([runtime], new CollectionOptions(), writer, cts.Token).WaitAsync(HangGuard);

        Assert.True(result.Interrupted);
        Assert.Equal(3, writer.Errors.Count(e => e.Message == "late.json not collected: interrupted by signal before its answer came"));
        Assert.DoesNotContain(writer.Entries, e => e.Entry.Path.Value.EndsWith("/late.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_broken_output_is_thrown_only_once_every_deferred_work_has_ended()
    {
        var late = new LateAnswers { AnswerDelay = TimeSpan.FromMilliseconds(300) };
        var runtime = late.Runtime(Three);
        var writer = new RecordingArchiveWriter { FailOn = e => e.Path.Value.EndsWith("/logs/log", StringComparison.Ordinal) ? new ArchiveOutputException("disk full") : null };

        var ex = await Assert.ThrowsAsync<ArchiveOutputException>(() => Runner().RunAsync([runtime], new CollectionOptions(), writer, default).WaitAsync(HangGuard));

        Assert.Equal(ExitCode.OutputError, ex.ExitCode);
        // The work waits for the logs phase, which the broken output ended: it was released, ran, and ended.
        Assert.Equal(3, late.Ended);
    }

    [Fact]
    public async Task A_sink_without_a_runner_runs_deferred_work_in_place()
    {
        var writer = new RecordingArchiveWriter();
        var sink = new ScopedEvidenceSink(writer, ArchivePath.Of("runtimes", "test"), "engine test", "test", null, TimeProvider.System);
        bool ran = false;

        await sink.DeferAsync("df.json", async (s, ct) =>
        {
            await Task.Yield();
            await s.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "df.json", "{}"u8.ToArray(), "GET /system/df"), ct);
            ran = true;
        }, default);

        Assert.True(ran);
        Assert.Single(writer.Entries);
    }

    /// <summary>
    /// The script of a <see cref="FakeRuntime"/>: in the volatile phase each container defers
    /// late.json, whose answer comes only once the logs phase has begun (or never, or fails); each
    /// logs phase writes one entry.
    /// </summary>
    private sealed class LateAnswers
    {
        private readonly TaskCompletionSource _logsBegan = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _ended;
        private FakeRuntime? _runtime;

        public Func<ContainerInfo, Exception?> Fail { get; init; } = _ => null;

        public bool Nested { get; init; }

        public bool NeverAnswer { get; init; }

        public TimeSpan AnswerDelay { get; init; }

        public Action OnLogs { get; init; } = () => { };

        public int Ended => Volatile.Read(ref _ended);

        public FakeRuntime Runtime(IReadOnlyList<ContainerInfo> containers) => _runtime = new FakeRuntime(RuntimeLocality.Unknown("test"), containers)
        {
            Descriptor = new RuntimeDescriptor("test", "test://", "1", null),
            InitPid = _ => null,
            Work = WorkAsync,
        };

        private async Task WorkAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CancellationToken cancellationToken)
        {
            if (phase == CollectionPhase.Volatile)
            {
                await sink.DeferAsync("late.json", (deferred, ct) => AnswerAsync(container, deferred, ct), cancellationToken);
            }
            else if (phase == CollectionPhase.Logs)
            {
                _logsBegan.TrySetResult();
                OnLogs();
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Logs, "log", "{}"u8.ToArray(), "log"), cancellationToken);
            }
        }

        private async Task AnswerAsync(ContainerInfo container, IEvidenceSink sink, CancellationToken cancellationToken)
        {
            try
            {
                await _logsBegan.Task.WaitAsync(cancellationToken);
                await Task.Delay(AnswerDelay, cancellationToken);
                if (NeverAnswer)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                _runtime!.Calls.Enqueue($"answered {container.Name}");
                if (Fail(container) is { } ex)
                {
                    throw ex;
                }
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Volatile, "late.json", "{}"u8.ToArray(), $"answer for {container.Name}"), cancellationToken);
                if (Nested)
                {
                    await sink.DeferAsync("nested.json", async (again, ct) =>
                    {
                        await Task.Delay(50, ct);
                        await again.AddAsync(EvidenceItem.Json(EvidenceSection.Volatile, "nested.json", "{}"u8.ToArray(), "nested"), ct);
                    }, cancellationToken);
                }
            }
            finally
            {
                Interlocked.Increment(ref _ended);
            }
        }
    }
}
