using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Host;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Compression;
using ContainerForensics.Evidence.Output;
using ContainerForensics.HostEvidence;
using ContainerForensics.Sealing;
using Serilog.Events;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir collect [CONTAINER...]</c>: the options, and the one method that runs a collection.</summary>
internal static class CollectCommand
{
    /// <summary>
    /// Containers collected at once within a phase. Much of a phase is waiting for a daemon, which
    /// overlapping hides; once the work is CPU-bound more does not help. Measured on the shared
    /// 2-core machine with 50 small containers (load 14-15): --parallel 1, 4 and 8 all within
    /// 7.5-9 s, so 4, which keeps few connections open to the daemon.
    /// </summary>
    internal const int DefaultParallel = 4;

    /// <summary>Above this, containers only wait longer for the one archive writer.</summary>
    internal const int MaxParallel = 32;

    /// <summary>Everything the collect command was told, parsed and checked.</summary>
    internal sealed record Settings
    {
        /// <summary>Who collected what, where and how, for the archive's seal (collect) or each archive's (watch).</summary>
        public Dictionary<string, string?> Provenance(string? hostname) => new()
        {
            ["examiner"] = Examiner,
            ["case"] = Case,
            ["note"] = Note,
            ["host"] = hostname,
            ["commandLine"] = string.Join(' ', CommandLine),
        };

        public IReadOnlyList<string> Containers { get; init; } = [];
        public IReadOnlyList<string> Runtimes { get; init; } = ["auto"];
        public bool RunningOnly { get; init; }
        public IReadOnlyList<string> Labels { get; init; } = [];
        public string? Output { get; init; }
        public ArchiveFormat Format { get; init; } = ArchiveFormat.TarGz;

        /// <summary>--zstd-level; null: the default.</summary>
        public int? ZstdLevel { get; init; }
        public FilesystemMode Filesystem { get; init; } = FilesystemMode.Changed;
        public string? Case { get; init; }
        public string? Examiner { get; init; }
        public string? Note { get; init; }
        public string? MaxFileSize { get; init; }
        public OversizePolicy Oversize { get; init; } = OversizePolicy.Truncate;
        public string? LogsSince { get; init; }
        public string? EventsSince { get; init; }
        public bool Volumes { get; init; }
        public bool Memory { get; init; }
        public string? MemoryMax { get; init; }
        public IReadOnlyList<string> Hashes { get; init; } = [];
        public string? PasswordFile { get; init; }

        /// <summary>--no-findings: no findings summary at the end (the archive is not read for findings).</summary>
        public bool NoFindings { get; init; }
        public string? SignKey { get; init; }
        public string? SignKeyPassphraseFile { get; init; }
        public IReadOnlyList<string> EncryptTo { get; init; } = [];
        public string? SpoolDir { get; init; }
        public IReadOnlyDictionary<string, IReadOnlyList<string>> ProviderOptions { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
        public int TimeoutSeconds { get; init; } = 15;
        public int NestedDepth { get; init; } = DiscoveryRequest.DefaultNestedDepth;
        public string? Root { get; init; }
        public int Parallel { get; init; } = DefaultParallel;
        public bool Json { get; init; }
        public bool Quiet { get; init; }
        public bool Verbose { get; init; }
        public IReadOnlyList<string> CommandLine { get; init; } = [];
    }

    public static Command Create(CliEnvironment env, Func<SignalCancellation?> signals)
    {
        var shared = new CollectionOptionSet(env, "Containers to collect, by id prefix or name. None: every container (stopped ones included).");
        var all = new Option<bool>("--all", "-a") { Description = "Every container, stopped ones included (the default)." };
        var running = new Option<bool>("--running") { Description = "Only running (and paused) containers." };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Archive path, or - to stream it to stdout. Default: cfir-<host>-<yyyyMMddTHHmmssZ>.<ext> here. Never overwrites.",
            HelpName = "PATH|-",
        };
        var eventsSince = new Option<string?>("--events-since") { Description = "Engine events since this time or duration (default 24h).", HelpName = "TIME" };
        var spoolDir = new Option<string?>("--spool-dir")
        {
            Description = "Directory for the writer's spools (files without a name, gone when cfir ends). Default: beside a file output; in memory with -o -, so nothing is written on the host.",
            HelpName = "DIR",
        };
        var root = CommonOptions.Root();
        var parallel = CollectionOptionSet.Parallel($"Containers collected at once within a phase (1-{MaxParallel}); phases still run one after the other.", DefaultParallel, MaxParallel);
        var noFindings = new Option<bool>("--no-findings") { Description = "No findings summary at the end (by default the rules of cfir report run on the archive as it is written; a zip is read back)." };

        var command = new Command("collect", "Collect evidence from containers into one hashed, sealed archive.");
        command.Arguments.Add(shared.Containers);
        foreach (Option o in (Option[])[ shared.Runtime, all, running, shared.Label, output, shared.Format, shared.ZstdLevel, shared.Filesystem, shared.Case, shared.Examiner, shared.Note,
                     shared.MaxFileSize, shared.Oversize, shared.LogsSince, eventsSince, shared.Volumes, shared.Memory, shared.MemoryMax, shared.Hash, shared.PasswordFile,
                     shared.SignKey, shared.SignKeyPassphraseFile, shared.EncryptTo, spoolDir, .. shared.ProviderOptions.Select(p => p.Option), shared.Timeout,
                     shared.NestedDepth, shared.NoNested, root, parallel, shared.Json, shared.Quiet, shared.Verbose, noFindings ])
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = shared.Read(parse, new Settings
            {
                RunningOnly = parse.GetValue(running),
                Output = parse.GetValue(output),
                EventsSince = parse.GetValue(eventsSince),
                NoFindings = parse.GetValue(noFindings),
                SpoolDir = parse.GetValue(spoolDir),
                Root = parse.GetValue(root),
                Parallel = parse.GetValue(parallel),
            });
            if (parse.GetValue(all) && settings.RunningOnly)
            {
                throw new CfirException(ExitCode.UsageError, "--all and --running contradict each other");
            }
            if (settings.Json && settings.Output == "-")
            {
                throw new CfirException(ExitCode.UsageError, "--json and -o - both want stdout: the archive is stdout with -o -");
            }
            return RunAsync(settings, env, signals(), cancellationToken);
        });
        return command;
    }

    /// <summary>Runs one collection: discover, open the archive, record, collect, seal. Returns the exit code.</summary>
    public static async Task<int> RunAsync(Settings s, CliEnvironment env, SignalCancellation? signals, CancellationToken cancellationToken)
    {
        var now = env.Clock.GetUtcNow();
        var options = BuildOptions(s, now);
        var archiveOptions = ArchiveOptions(s, env);
        bool toStdout = s.Output == "-";
        if (toStdout && env.StdoutIsTerminal)
        {
            throw new CfirException(ExitCode.UsageError, "refusing to write the archive to a terminal: redirect stdout (-o - > file, or | ssh ...)");
        }
        var sealing = await OpenSealingAsync(s, env, cancellationToken).ConfigureAwait(false);
        var host = HostFacts.Read(env.HostRoot);
        using var image = CommonOptions.OpenImage(s.Root, env);
        // Dead-box: the archive is named after the machine imaged, not the examiner's.
        string defaultName = DefaultName(image?.Facts.Hostname ?? host.Hostname, now, s.Format) + (sealing.Encrypts ? ArchiveSealing.EncryptedSuffix : "");
        string outputPath = toStdout ? "-" : Path.GetFullPath(s.Output ?? defaultName, env.WorkingDirectory);
        archiveOptions = archiveOptions with { SpoolDirectory = SpoolDirectory(s, outputPath, env) };
        if (!toStdout && (File.Exists(outputPath) || Directory.Exists(outputPath)))
        {
            // Said before discovery, which can cost a hung daemon's timeout; ArchiveOutput checks again when it creates the file.
            throw new CfirException(ExitCode.OutputError, $"{outputPath} already exists; cfir never overwrites evidence");
        }

        var startedAt = env.Clock.GetUnixTime();
        using var log = new AcquisitionLog(s.Verbose ? LogEventLevel.Debug : LogEventLevel.Information, s.Quiet);
        var logger = log.Logger;
        // This host's runtimes: the descent into their containers is made by the collection, beside the volatile phase.
        var discovery = await new Discovery(env.Providers(), logger)
            .DiscoverHostAsync(CommonOptions.Discovery(s.Runtimes, s.ProviderOptions, s.TimeoutSeconds, s.NestedDepth, env.Variables, image), cancellationToken)
            .ConfigureAwait(false);
        var runtimes = discovery.Runtimes;
        try
        {
            var request = new AcquisitionRequest
            {
                Info = new AcquisitionInfo
                {
                    ToolName = "cfir",
                    ToolVersion = ToolVersion.Version,
                    ToolCommit = ToolVersion.Commit,
                    CommandLine = s.CommandLine,
                    Examiner = s.Examiner,
                    Case = s.Case,
                    Note = s.Note,
                    FormatVersion = ArchiveNames.FormatVersion,
                    ArchiveFormat = ArchiveFormats.Name(archiveOptions.Format),
                    CompressionLevel = archiveOptions.CompressionLevel,
                    OutputDescription = toStdout ? "stdout" : outputPath,
                    Sealing = sealing.Info,
                },
                Host = host,
                Discovery = discovery,
                Options = options,
                StartedAt = startedAt,
                Provenance = s.Provenance(host.Hostname),
                InterruptedBy = () => signals?.Received?.ToString(),
                AcquisitionLog = () => LogEntry(log),
            };
            var acquisition = new Acquisition(env.Clock, logger, ConsoleProgress.Create(s.Quiet), [new HostProcessCollector(env.Clock)]);
            // A tar's findings are read from its stream as it is written; a zip's, from its file afterwards.
            using var tap = WantsFindings(s, toStdout, sealing) && archiveOptions.Format != ArchiveFormat.Zip ? new FindingsTap() : null;
            var outcome = await acquisition.RunAsync(request, () =>
            {
                var output = toStdout ? ArchiveOutput.ToStdout(env.OpenStdout(), sealing.Layer) : ArchiveOutput.ToFile(outputPath, sealing.Layer);
                return EvidenceArchiveWriter.Create(output, archiveOptions with { StartedAt = startedAt, SealSigner = sealing.Signer, StreamTap = tap?.Input });
            }, cancellationToken).ConfigureAwait(false);
            // A seal that was to be signed and is not: the archive is there, what was asked for is not.
            var code = outcome.Seal.SigningFailure is null ? outcome.Code : ExitCode.OutputError;
            Report(env, s, outcome.Seal, outcome.Collection, code, toStdout, sealing, tap);
            return (int)code;
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
            foreach (var r in runtimes)
            {
                await r.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// --sign-key and --encrypt-to, opened before discovery: a wrong passphrase, an empty agent or a
    /// mistyped recipient stops the run before any evidence is taken, not after.
    /// </summary>
    internal static async Task<ArchiveSealing> OpenSealingAsync(Settings s, CliEnvironment env, CancellationToken cancellationToken)
    {
        if (s.SignKeyPassphraseFile is not null && s.SignKey is null)
        {
            throw new CfirException(ExitCode.UsageError, "--sign-key-passphrase-file needs --sign-key");
        }
        if (s.PasswordFile is not null && s.EncryptTo.Count > 0)
        {
            throw new CfirException(ExitCode.UsageError, "--password-file (zip AES) and --encrypt-to (age) together: use age alone");
        }
        try
        {
            return await ArchiveSealing.OpenAsync(new ArchiveSealingRequest
            {
                SignKey = s.SignKey is null ? null : SigningKey.IsAgent(s.SignKey) ? s.SignKey : Path.GetFullPath(s.SignKey, env.WorkingDirectory),
                SignKeyPassphrase = () => s.SignKeyPassphraseFile is null ? null : Encoding.UTF8.GetBytes(PasswordFile.Read(s.SignKeyPassphraseFile, "--sign-key-passphrase-file")),
                AgentSocket = env.Variables.GetValueOrDefault("SSH_AUTH_SOCK"),
                EncryptTo = s.EncryptTo,
                ReadFile = path => File.ReadAllText(Path.GetFullPath(path, env.WorkingDirectory)),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SealingSetupException ex)
        {
            throw new CfirException(ExitCode.UsageError, ex.Message);
        }
    }

    /// <summary>How the archive is written: format, extra digests, the zip password, the clock and the tool.</summary>
    internal static EvidenceArchiveOptions ArchiveOptions(Settings s, CliEnvironment env) => new()
    {
        Format = s.Format,
        ZstdLevel = ZstdLevel(s),
        ExtraHashes = (s.Hashes.Contains("sha1") ? ExtraHashes.Sha1 : 0) | (s.Hashes.Contains("md5") ? ExtraHashes.Md5 : 0),
        ZipPassword = ReadPassword(s),
        Clock = env.Clock,
        ToolName = "cfir",
        ToolVersion = $"{ToolVersion.Version}+{ToolVersion.Commit}",
    };

    /// <summary>
    /// Spools go where the responder allows writing: --spool-dir, else beside a file output
    /// (the evidence disk, not the host's /tmp); with -o - and no --spool-dir, in memory.
    /// </summary>
    internal static string? SpoolDirectory(Settings s, string outputPath, CliEnvironment env)
    {
        if (s.SpoolDir is { } named)
        {
            string full = Path.GetFullPath(named, env.WorkingDirectory);
            return Directory.Exists(full) ? full : throw new CfirException(ExitCode.UsageError, $"--spool-dir: {full} is not a directory");
        }
        return outputPath == "-" ? null : Path.GetDirectoryName(outputPath);
    }

    /// <summary>The acquisition log as it is when the collection ends: whole lines, and how many did not fit.</summary>
    internal static ArchiveEntry LogEntry(AcquisitionLog log)
    {
        var capture = log.Capture();
        return new ArchiveEntry
        {
            Path = EvidenceLayout.AcquisitionLog,
            Source = new EvidenceSource { Description = "cfir's own acquisition log (JSON lines)" },
            Content = capture,
            Status = capture.Dropped == 0 ? EntryStatus.Collected : EntryStatus.Truncated,
            Reason = capture.Dropped == 0 ? null : $"{capture.Dropped} later log event(s) not kept: the log reached its {log.Cap >> 20} MiB cap",
        };
    }

    /// <summary>
    /// Findings need the archive's content: not when it goes to stdout (collect keeps nothing of
    /// it), nor when it is encrypted to its recipients (cfir holds none of their identities, by design).
    /// </summary>
    private static bool WantsFindings(Settings s, bool toStdout, ArchiveSealing sealing) => !s.NoFindings && !toStdout && !sealing.Encrypts;

    private static void Report(CliEnvironment env, Settings s, SealResult seal, CollectionResult result, ExitCode code, bool toStdout, ArchiveSealing sealing, FindingsTap? tap)
    {
        string where = seal.FinalPath ?? "stdout";
        if (seal.SigningFailure is { } signing)
        {
            // Even with -q: the examiner asked for a signed seal and does not have one.
            env.Stderr.WriteLine($"cfir: error: {signing}; the archive is sealed without SEAL.sig");
        }
        if (!s.Quiet)
        {
            env.Stderr.WriteLine($"cfir: archive {where}: {seal.EntryCount} entries, {seal.ErrorCount} errors, {(seal.Complete ? "complete" : "partial")}");
            if (seal.SignedBy is { } signer)
            {
                env.Stderr.WriteLine($"cfir: seal signed by {signer} (SEAL.sig)");
            }
            if (sealing.Encrypts)
            {
                env.Stderr.WriteLine($"cfir: encrypted with age to {string.Join(", ", sealing.RecipientNames)}");
            }
            if (!seal.Complete && seal.FirstFailures.Count > 0)
            {
                // "N failure(s)" alone sends the responder digging: name the first ones and where the rest are.
                env.Stderr.WriteLine($"cfir: what was not collected whole, first {seal.FirstFailures.Count}:");
                foreach (var failure in seal.FirstFailures)
                {
                    env.Stderr.WriteLine($"cfir:   {OneLine(failure)}");
                }
                env.Stderr.WriteLine("cfir: all of it is in the archive: manifest/errors.jsonl, and the manifest/manifest.jsonl entries whose status is failed, missing or partial");
            }
        }
        // The archive's own hash always goes to stderr, even with -q: the receiver compares it with what arrived.
        env.Stderr.WriteLine($"cfir: archive sha256 {seal.ArchiveSha256}  {(toStdout ? "-" : where)}");
        var findings = WantsFindings(s, toStdout, sealing) && seal.FinalPath is not null ? FindingsSummary.Run(env, seal.FinalPath, tap, ReadPassword(s), s.Quiet) : null;
        if (s.Json && !toStdout)
        {
            var summary = new Dictionary<string, object?>
            {
                ["archive"] = seal.FinalPath,
                ["sha256"] = seal.ArchiveSha256,
                ["bytes"] = seal.ArchiveBytes,
                ["signedBy"] = seal.SignedBy,
                ["signingFailure"] = seal.SigningFailure,
                ["encryptedTo"] = sealing.Encrypts ? sealing.RecipientNames : null,
                ["complete"] = seal.Complete,
                ["interrupted"] = result.Interrupted,
                ["entries"] = seal.EntryCount,
                ["errors"] = seal.ErrorCount,
                ["exitCode"] = (int)code,
                ["containers"] = result.Containers.Select(c => new Dictionary<string, object?>
                {
                    ["runtime"] = c.Runtime,
                    ["id"] = c.Id,
                    ["name"] = c.Name,
                    ["state"] = c.State,
                    ["vanished"] = result.Gone.ContainsKey(c),
                    // A container of a nested runtime: the containers it runs in, outermost first.
                    [NestingFields.NestedIn] = NestingJson.ChainElement(c.NestedIn),
                }).ToList(),
            };
            if (findings is not null)
            {
                summary["findings"] = findings.Select(f => new Dictionary<string, object?>
                {
                    ["id"] = f.Id,
                    ["severity"] = f.Severity.ToString().ToLowerInvariant(),
                    ["title"] = f.Title,
                    ["container"] = f.Container,
                    ["attack"] = f.Attack,
                    ["evidence"] = f.Evidence.Select(e => new Dictionary<string, object?> { ["path"] = e.Path, ["sha256"] = e.Sha256 }).ToList(),
                    ["detail"] = f.Detail,
                }).ToList();
            }
            using var stdout = env.OpenStdout();
            JsonSerializer.Serialize(stdout, summary, JsonOutput.Options);
            stdout.Write("\n"u8);
        }
    }

    /// <summary>Paths and reasons come from the containers: no control character reaches the terminal, and one failure is one line.</summary>
    private static string OneLine(string text)
    {
        var line = new StringBuilder(Math.Min(text.Length, 300));
        foreach (char c in text.Length > 300 ? text[..300] + "…" : text)
        {
            if (char.IsControl(c))
            {
                line.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                line.Append(c);
            }
        }
        return line.ToString();
    }

    internal static CollectionOptions BuildOptions(Settings s, DateTimeOffset now)
    {
        long? max = null;
        if (s.MaxFileSize is { } text)
        {
            if (!SizeParser.TryParseSize(text, out long bytes) || bytes <= 0)
            {
                throw new CfirException(ExitCode.UsageError, $"--max-file-size: '{text}' is not a size (try 512M or 2G)");
            }
            max = bytes;
        }
        long? memoryMax = null;
        if (s.MemoryMax is { } memText)
        {
            if (!SizeParser.TryParseSize(memText, out long memBytes))
            {
                throw new CfirException(ExitCode.UsageError, $"--memory-max: '{memText}' is not a size (try 512M or 2G)");
            }
            if (!s.Memory)
            {
                throw new CfirException(ExitCode.UsageError, "--memory-max needs --memory");
            }
            memoryMax = memBytes;
        }
        DateTimeOffset? Since(string? text, string option)
        {
            if (text is null)
            {
                return null;
            }
            return SizeParser.TryParseSince(text, now, out var t) ? t : throw new CfirException(ExitCode.UsageError, $"{option}: '{text}' is neither a time nor a duration (try 24h or 2026-11-01T00:00:00Z)");
        }
        return new CollectionOptions
        {
            Selector = new ContainerSelector
            {
                Names = s.Containers,
                RunningOnly = s.RunningOnly,
                Labels = s.Labels.Select(l => l.IndexOf('=', StringComparison.Ordinal) is var i and >= 0
                    ? new KeyValuePair<string, string?>(l[..i], l[(i + 1)..])
                    : new KeyValuePair<string, string?>(l, null)).ToList(),
            },
            Filesystem = s.Filesystem,
            MaxFileSize = max,
            Oversize = s.Oversize,
            LogsSince = Since(s.LogsSince, "--logs-since"),
            EventsSince = Since(s.EventsSince, "--events-since") ?? now.AddHours(-24),
            Volumes = s.Volumes,
            Memory = s.Memory,
            MemoryMaxBytes = memoryMax,
            Parallelism = s.Parallel,
        };
    }

    /// <summary>
    /// --zstd-level, for tar.zst only; and libzstd loaded now, so that a host without it stops the
    /// run before any evidence is taken, not at the archive.
    /// </summary>
    internal static int ZstdLevel(Settings s)
    {
        if (s.Format != ArchiveFormat.TarZst)
        {
            return s.ZstdLevel is null ? ZstdSettings.DefaultLevel : throw new CfirException(ExitCode.UsageError, "--zstd-level needs --format tar.zst");
        }
        if (ZstdSettings.Unavailable() is { } why)
        {
            throw new CfirException(ExitCode.UsageError, $"--format tar.zst: {why}");
        }
        return s.ZstdLevel ?? ZstdSettings.DefaultLevel;
    }

    internal static string? ReadPassword(Settings s)
    {
        if (s.PasswordFile is null)
        {
            return null;
        }
        if (s.Format != ArchiveFormat.Zip)
        {
            throw new CfirException(ExitCode.UsageError, "--password-file needs --format zip");
        }
        return PasswordFile.Read(s.PasswordFile);
    }

    internal static string DefaultName(string? hostname, DateTimeOffset now, ArchiveFormat format)
    {
        var host = new StringBuilder();
        // A disk image's hostname is the attacker's words: only a short, tame part of it names the file.
        foreach (char c in (hostname ?? "host").AsSpan(0, Math.Min((hostname ?? "host").Length, 64)))
        {
            host.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        }
        return $"cfir-{host}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}{ArchiveFormats.Extension(format)}";
    }
}

internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = EvidenceJsonOptions.Serializer();
}
