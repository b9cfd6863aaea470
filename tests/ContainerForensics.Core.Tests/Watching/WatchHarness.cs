using System.Collections.Concurrent;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Core.Watching;
using ContainerForensics.TestSupport;
using Serilog;

namespace ContainerForensics.Core.Tests.Watching;

/// <summary>
/// A watch over fake followed runtimes, into a temporary directory (the real index), each archive
/// a <see cref="RecordingArchiveWriter"/>; the test publishes events, waits for outcomes and
/// stops it as a signal would.
/// </summary>
internal sealed class WatchHarness : IDisposable
{
    private readonly ConcurrentQueue<TriggerOutcome> _outcomes = new();
    private readonly CancellationTokenSource _signal = new();
    private readonly SemaphoreSlim _ended = new(0);
    private Task<WatchResult>? _running;

    public WatchHarness(params FakeFollowedRuntime[] runtimes)
    {
        Runtimes = runtimes;
        Directory = System.IO.Directory.CreateTempSubdirectory("cfir-watch-").FullName;
    }

    public IReadOnlyList<FakeFollowedRuntime> Runtimes { get; }

    public string Directory { get; }

    public ConcurrentDictionary<string, RecordingArchiveWriter> Archives { get; } = new(StringComparer.Ordinal);

    public IReadOnlyCollection<TriggerOutcome> Outcomes => _outcomes;

    public ConcurrentQueue<string> SourceMessages { get; } = new();

    public RecordingLogSink Log { get; } = new();

    public WatchSettings Settings { get; set; } = null!;

    public CollectionOptions Options { get; set; } = new();

    /// <summary>Collectors per archive; none by default.</summary>
    public Func<IReadOnlyList<IContainerEvidenceCollector>> Collectors { get; set; } = () => [];

    public Task<WatchResult> Start(Func<WatchSettings, WatchSettings>? configure = null)
    {
        Settings = (configure ?? (s => s))(new WatchSettings { OutputDirectory = Directory, Parallelism = 2, QueueCapacity = 16 });
        var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(Log).CreateLogger();
        var request = new WatchRequest
        {
            Discovery = new DiscoveryResult([.. Runtimes.Select(r => RuntimeProbe.Found(r))], explicitRequest: true),
            Info = new AcquisitionInfo { ToolName = "cfir-test", CommandLine = ["watch"] },
            Host = new HostFacts { Hostname = "test-host" },
            Options = Options,
            Settings = Settings,
            InterruptedBy = () => "SIGINT",
            OpenArchive = path => Archives.GetOrAdd(Path.GetFileName(path), _ => new RecordingArchiveWriter()),
            Collectors = Collectors,
            OpenTriggerLog = () => new NoTriggerLog(logger),
        };
        _running = Task.Run(() => new Watcher(TimeProvider.System, logger, new Progress(this)).RunAsync(request, _signal.Token));
        return _running;
    }

    /// <summary>Waits until <paramref name="count"/> triggers have ended (collected, dropped or failed).</summary>
    public async Task WaitForOutcomesAsync(int count)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // hang guard
        while (_outcomes.Count < count)
        {
            await _ended.WaitAsync(guard.Token);
        }
    }

    /// <summary>Waits until the runtime has subscribed <paramref name="count"/> times.</summary>
    public static async Task WaitForSubscriptionsAsync(FakeFollowedRuntime runtime, int count)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // hang guard
        while (runtime.Subscriptions.Count < count)
        {
            await Task.Delay(10, guard.Token);
        }
    }

    /// <summary>Stops the watch as SIGINT does and returns how it ended.</summary>
    public async Task<WatchResult> InterruptAsync()
    {
        await _signal.CancelAsync();
        return await _running!.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public IReadOnlyList<JsonElement> IndexLines() =>
        [.. File.ReadAllLines(Path.Combine(Directory, WatchIndex.FileName)).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    public IReadOnlyList<JsonElement> TriggerLines() =>
        [.. IndexLines().Where(l => l.GetProperty(IndexFields.Type).GetString() == IndexFields.Types.Trigger).OrderBy(l => l.GetProperty(IndexFields.Seq).GetInt64())];

    public void Dispose()
    {
        _signal.Cancel();
        try
        {
            _running?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // the test already looked at how it ended
        }
        _signal.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private sealed class Progress(WatchHarness harness) : IWatchProgress
    {
        public void Changed(WatchCounts counts)
        {
        }

        public void Ended(TriggerOutcome outcome)
        {
            harness._outcomes.Enqueue(outcome);
            harness._ended.Release();
        }

        public void Source(string message) => harness.SourceMessages.Enqueue(message);
    }

    private sealed class NoTriggerLog(ILogger logger) : ITriggerLog
    {
        public ILogger Logger => logger;

        public ArchiveEntry Capture() => new()
        {
            Path = EvidenceLayout.AcquisitionLog,
            Content = EvidenceContent.FromBytes(Array.Empty<byte>()),
        };

        public void Dispose()
        {
        }
    }
}
