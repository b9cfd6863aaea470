using System.CommandLine;
using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;
using ContainerForensics.Core.Watching;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.HostEvidence;
using ContainerForensics.Sealing;
using Serilog.Events;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// <c>cfir watch -o DIR [CONTAINER...]</c>: stays running and collects each selected container
/// into its own sealed archive in DIR the moment a trigger happens to it, with DIR/index.jsonl
/// accounting for every trigger. Parses, discovers once, and hands the rest to Core's
/// <see cref="Watcher"/>.
/// </summary>
internal static class WatchCommand
{
    /// <summary>Collections at once: most of one is waiting for a daemon, and a dead container's turn should come quickly.</summary>
    internal const int DefaultParallel = 4;

    /// <summary>Everything the watch command was told: the collection's settings and the watch's own.</summary>
    internal sealed record Settings
    {
        public required CollectCommand.Settings Collection { get; init; }
        public required string OutputDirectory { get; init; }
        public IReadOnlyList<string> Triggers { get; init; } = [];
        public string? Until { get; init; }
        public int Queue { get; init; } = WatchSettings.DefaultQueueCapacity;
    }

    public static Command Create(CliEnvironment env, Func<SignalCancellation?> signals)
    {
        var shared = new CollectionOptionSet(env, "Containers to watch, by id prefix or name (running now or started later). None: every container.");
        var output = new Option<string>("--output", "-o")
        {
            Description = "Directory for the archives and index.jsonl; created if missing. Never an existing index.",
            HelpName = "DIR",
            Required = true,
        };
        var trigger = new Option<string[]>("--trigger")
        {
            Description = "What makes a container be collected: start, exec, die, oom, kill, create, or any. Comma-separated, repeatable.",
            DefaultValueFactory = _ => ["start,exec,die,oom"],
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "LIST",
        };
        var until = new Option<string?>("--until") { Description = "Stop by itself after this long (30s, 10m, 2h, 1d).", HelpName = "DURATION" };
        var parallel = CollectionOptionSet.Parallel($"Containers collected at once, each into its own archive (1-{CollectCommand.MaxParallel}).", DefaultParallel, CollectCommand.MaxParallel);
        var queue = new Option<int>("--queue")
        {
            Description = "Triggers that may wait for a collection (1-100000); more are dropped and written to the index with the reason.",
            DefaultValueFactory = _ => WatchSettings.DefaultQueueCapacity,
            HelpName = "N",
        };
        queue.Validators.Add(result =>
        {
            int n = result.GetValueOrDefault<int>();
            if (n < 1 || n > 100_000)
            {
                result.AddError("--queue must be between 1 and 100000");
            }
        });

        var command = new Command("watch", "Stay running and collect each container into its own sealed archive when something happens to it.");
        command.Arguments.Add(shared.Containers);
        foreach (Option o in (Option[])[ shared.Runtime, shared.Label, output, trigger, until, parallel, queue, shared.Format, shared.ZstdLevel, shared.Filesystem, shared.Case,
                     shared.Examiner, shared.Note, shared.MaxFileSize, shared.Oversize, shared.LogsSince, shared.Volumes, shared.Memory, shared.MemoryMax, shared.Hash,
                     shared.PasswordFile, shared.SignKey, shared.SignKeyPassphraseFile, shared.EncryptTo, .. shared.ProviderOptions.Select(p => p.Option),
                     shared.Timeout, shared.NestedDepth, shared.NoNested, shared.Json, shared.Quiet, shared.Verbose ])
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, cancellationToken) => RunAsync(new Settings
        {
            Collection = shared.Read(parse, new CollectCommand.Settings { Parallel = parse.GetValue(parallel) }),
            OutputDirectory = parse.GetValue(output)!,
            Triggers = parse.GetValue(trigger) ?? [],
            Until = parse.GetValue(until),
            Queue = parse.GetValue(queue),
        }, env, signals(), cancellationToken));
        return command;
    }

    /// <summary>Runs one watch: discover once, open the index, follow the runtimes until --until or a signal. Returns the exit code.</summary>
    public static async Task<int> RunAsync(Settings s, CliEnvironment env, SignalCancellation? signals, CancellationToken cancellationToken)
    {
        var c = s.Collection;
        var options = CollectCommand.BuildOptions(c, env.Clock.GetUtcNow());
        var triggers = TriggerKinds.Parse(s.Triggers.Count > 0 ? s.Triggers : ["start,exec,die,oom"]);
        TimeSpan? until = null;
        if (s.Until is { } untilText)
        {
            if (!SizeParser.TryParseDuration(untilText, out var span) || span <= TimeSpan.Zero || span > MaxUntil)
            {
                throw new CfirException(ExitCode.UsageError, $"--until: '{untilText}' is not a duration from 1s to {MaxUntil.TotalDays:0}d (try 30s, 10m, 2h)");
            }
            until = span;
        }
        var archiveOptions = CollectCommand.ArchiveOptions(c, env);
        // Opened once, before discovery: a wrong passphrase or recipient stops the watch before it starts.
        var sealing = await CollectCommand.OpenSealingAsync(c, env, cancellationToken).ConfigureAwait(false);
        string directory = OpenDirectory(s.OutputDirectory, env);
        EnoughThreads(c.Parallel);
        archiveOptions = archiveOptions with { SpoolDirectory = directory };

        var host = HostFacts.Read(env.HostRoot);
        using var log = AcquisitionLog.StderrOnly(c.Verbose ? LogEventLevel.Debug : LogEventLevel.Information, c.Quiet);
        var discovery = await new Discovery(env.Providers(), log)
            .DiscoverAsync(CommonOptions.Discovery(c.Runtimes, c.ProviderOptions, c.TimeoutSeconds, c.NestedDepth, env.Variables), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            var progress = WatchProgress.Create(c.Quiet, env.Stderr);
            var request = new WatchRequest
            {
                Discovery = discovery,
                Info = new AcquisitionInfo
                {
                    ToolName = "cfir",
                    ToolVersion = ToolVersion.Version,
                    ToolCommit = ToolVersion.Commit,
                    CommandLine = c.CommandLine,
                    Examiner = c.Examiner,
                    Case = c.Case,
                    Note = c.Note,
                    FormatVersion = ArchiveNames.FormatVersion,
                    ArchiveFormat = ArchiveFormats.Name(archiveOptions.Format),
                    CompressionLevel = archiveOptions.CompressionLevel,
                    OutputDescription = directory,
                    Sealing = sealing.Info,
                },
                Host = host,
                Options = options,
                Settings = new WatchSettings
                {
                    Triggers = triggers,
                    Parallelism = c.Parallel,
                    QueueCapacity = s.Queue,
                    Until = until,
                    OutputDirectory = directory,
                    ArchiveExtension = ArchiveFormats.Extension(c.Format) + (sealing.Encrypts ? ArchiveSealing.EncryptedSuffix : ""),
                },
                Provenance = c.Provenance(host.Hostname),
                InterruptedBy = () => signals?.Received?.ToString(),
                OpenArchive = path => EvidenceArchiveWriter.Create(ArchiveOutput.ToFile(path, sealing.Layer),
                    archiveOptions with { StartedAt = env.Clock.GetUnixTime(), SealSigner = sealing.Signer }),
                Collectors = () => [new HostProcessCollector(env.Clock)],
                OpenTriggerLog = () => new TriggerLog(log),
            };
            WatchResult result;
            try
            {
                result = await new Watcher(env.Clock, log, (IWatchProgress?)progress ?? IWatchProgress.None).RunAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                progress?.Dispose();
            }
            Report(env, c, result);
            return (int)result.Code;
        }
        catch (CfirException ex) when (ex.ExitCode == ExitCode.NoRuntime)
        {
            foreach (var p in discovery.Probes)
            {
                env.Stderr.WriteLine($"cfir: {p.Name} at {p.Endpoint}: {p.Reason}");
            }
            throw;
        }
        finally
        {
            foreach (var r in discovery.Runtimes)
            {
                await r.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// An event read from a daemon's stream is handed on by a thread-pool thread; while every pool
    /// thread hashes, compresses or reads /proc for archives under way, it would wait for the pool
    /// to grow (about one thread each half second). Enough threads from the start, for every
    /// collection and sealing archive at once and the feeds, keep the event's latency off that.
    /// </summary>
    private static void EnoughThreads(int parallel)
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        int wanted = parallel * (1 + Watcher.SealingPerWorker) + 8;
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, io);
        }
    }

    /// <summary>The longest --until: what a timer takes (Int32.MaxValue milliseconds is 24.8 days).</summary>
    internal static readonly TimeSpan MaxUntil = TimeSpan.FromDays(24);

    /// <summary>The output directory, created (0700) when missing; refused when it is a file or already holds an index.</summary>
    private static string OpenDirectory(string given, CliEnvironment env)
    {
        string full = Path.GetFullPath(given, env.WorkingDirectory);
        if (File.Exists(full))
        {
            throw new CfirException(ExitCode.OutputError, $"{full} is a file: watch writes a directory of archives (-o DIR)");
        }
        if (File.Exists(Path.Combine(full, WatchIndex.FileName)))
        {
            throw new CfirException(ExitCode.OutputError, $"{full} already holds a watch's {WatchIndex.FileName}; cfir never overwrites evidence (watch into a new directory)");
        }
        try
        {
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.OutputError, $"cannot create {full}: {ex.Message}");
        }
        return full;
    }

    private static void Report(CliEnvironment env, CollectCommand.Settings s, WatchResult result)
    {
        var n = result.Counts;
        if (!s.Quiet)
        {
            env.Stderr.WriteLine($"cfir: watch {(result.Interrupted ? "interrupted" : "ended")}: {n.Seen} trigger(s), {n.Collected} archive(s) sealed " +
                $"({n.Complete} complete, {n.Collected - n.Complete} partial), {n.Dropped} dropped, {n.Failed} failed; index {result.IndexPath}");
        }
        if (s.Json)
        {
            var summary = new Dictionary<string, object?>
            {
                ["index"] = result.IndexPath,
                ["interrupted"] = result.Interrupted,
                ["seen"] = n.Seen,
                ["collected"] = n.Collected,
                ["complete"] = n.Complete,
                ["dropped"] = n.Dropped,
                ["failed"] = n.Failed,
                ["exitCode"] = (int)result.Code,
            };
            using var stdout = env.OpenStdout();
            JsonSerializer.Serialize(stdout, summary, JsonOutput.Options);
            stdout.Write("\n"u8);
        }
    }
}
