using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// <c>DIR/index.jsonl</c>: one JSON line per trigger (collected, dropped or failed, with the
/// event's own bytes, the archive and its sha256, and the latency), framed by a first line
/// (the watch: tool, host, what it watches) and a last one (the counts, and the SHA-256 of every
/// byte before it). A source that lost and regained its connection is a line too. Created
/// exclusively with mode 0600, never over an existing index; each line is one write, so a
/// watch killed outright leaves whole lines behind. Thread-safe: the workers write as they end.
/// </summary>
public sealed class WatchIndex : IDisposable
{
    public const string FileName = "index.jsonl";

    private static readonly JsonWriterOptions Compact = new() { Indented = false };

    private readonly Stream _output;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Lock _lock = new();
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private bool _ended;

    public WatchIndex(Stream output) => _output = output;

    /// <summary>A new index file; throws <see cref="ArchiveOutputException"/> when it exists or cannot be created.</summary>
    public static WatchIndex Create(string path)
    {
        try
        {
            return new WatchIndex(new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                BufferSize = 0,
            }));
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new ArchiveOutputException($"{path} already exists; cfir never overwrites evidence (watch into a new directory)", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArchiveOutputException($"cannot create {path}: {ex.Message}", ex);
        }
    }

    public void WatchStarted(WatchStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        Write(json =>
        {
            json.WriteString(IndexFields.Type, IndexFields.Types.WatchStarted);
            json.WriteString(IndexFields.At, start.At.ToIso8601());
            json.WriteString(IndexFields.WatchId, start.WatchId);
            json.WriteStartObject(IndexFields.Tool);
            json.WriteString(IndexFields.Name, start.Info.ToolName);
            json.WriteString("version", start.Info.ToolVersion);
            json.WriteString("commit", start.Info.ToolCommit);
            json.WriteEndObject();
            json.WriteStartObject(IndexFields.Host);
            json.WriteString("hostname", start.Host.Hostname);
            json.WriteString("bootId", start.Host.BootId);
            json.WriteString("machineId", start.Host.MachineId);
            json.WriteEndObject();
            json.WriteStartArray(IndexFields.CommandLine);
            foreach (string arg in start.Info.CommandLine)
            {
                json.WriteStringValue(arg);
            }
            json.WriteEndArray();
            json.WriteStartArray(IndexFields.Triggers);
            foreach (var kind in TriggerKinds.All.Where(start.Settings.Triggers.Contains))
            {
                json.WriteStringValue(TriggerKinds.Name(kind));
            }
            json.WriteEndArray();
            json.WriteNumber(IndexFields.Parallel, start.Settings.Parallelism);
            json.WriteNumber(IndexFields.Queue, start.Settings.QueueCapacity);
            if (start.Settings.Until is { } until)
            {
                json.WriteNumber(IndexFields.Until, until.TotalSeconds);
            }
            else
            {
                json.WriteNull(IndexFields.Until);
            }
            json.WriteStartObject(IndexFields.Selection);
            json.WriteStartArray("containers");
            foreach (string n in start.Selector.Names)
            {
                json.WriteStringValue(n);
            }
            json.WriteEndArray();
            json.WriteStartArray("labels");
            foreach (var (k, v) in start.Selector.Labels)
            {
                json.WriteStringValue(v is null ? k : $"{k}={v}");
            }
            json.WriteEndArray();
            json.WriteBoolean("runningOnly", start.Selector.RunningOnly);
            json.WriteEndObject();
            json.WriteStartArray(IndexFields.Runtimes);
            foreach (var r in start.Runtimes)
            {
                json.WriteStartObject();
                json.WriteString(IndexFields.Name, r.Name);
                json.WriteString(IndexFields.Endpoint, r.Endpoint);
                json.WriteBoolean(IndexFields.Watched, r.Watched);
                if (r.ReplaysSince is { } replays)
                {
                    json.WriteBoolean(IndexFields.ReplaysSince, replays);
                }
                json.WriteString(IndexFields.Reason, r.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
    }

    public void Trigger(TriggerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var t = outcome.Trigger;
        var e = t.Event;
        Write(json =>
        {
            json.WriteString(IndexFields.Type, IndexFields.Types.Trigger);
            json.WriteNumber(IndexFields.Seq, t.Seq);
            json.WriteString(IndexFields.Trigger, t.KindName);
            json.WriteString(IndexFields.Outcome, outcome.Outcome);
            json.WriteString(IndexFields.Runtime, e.Runtime);
            json.WriteString(IndexFields.Endpoint, t.Runtime.Descriptor.Endpoint);
            json.WriteString(IndexFields.ContainerId, e.ContainerId);
            json.WriteString(IndexFields.ContainerName, t.Container.Name ?? e.Name);
            if (t.Container.RuntimeNamespace is { } ns)
            {
                json.WriteString(IndexFields.Namespace, ns);
            }
            if (t.Container.NestedIn is { } nested)
            {
                json.WriteString("nestedIn", nested.Describe());
            }
            json.WriteString(IndexFields.Action, e.Action);
            json.WriteString(IndexFields.EventTime, e.Time.ToIso8601());
            json.WriteString(IndexFields.ReceivedAt, t.ReceivedAt.ToIso8601());
            if (outcome.Reason is { } reason)
            {
                json.WriteString(IndexFields.Reason, reason);
            }
            if (outcome.Seal is { } seal)
            {
                json.WriteString(IndexFields.Archive, Path.GetFileName(seal.FinalPath) ?? t.ArchiveName);
                json.WriteString(IndexFields.Sha256, seal.ArchiveSha256);
                json.WriteNumber(IndexFields.Bytes, seal.ArchiveBytes);
                json.WriteString(IndexFields.Status, outcome.Complete ? IndexFields.Complete : IndexFields.Partial);
                if (seal.SignedBy is { } signer)
                {
                    json.WriteString(IndexFields.SignedBy, signer);
                }
                if (seal.SigningFailure is { } failure)
                {
                    json.WriteString(IndexFields.SigningFailure, failure);
                }
                json.WriteBoolean(IndexFields.Interrupted, outcome.Interrupted);
                json.WriteNumber(IndexFields.Errors, seal.ErrorCount);
            }
            if (outcome.VanishedIn is { } vanished)
            {
                json.WriteString(IndexFields.Vanished, vanished);
            }
            WriteTime(json, IndexFields.StartedAt, outcome.StartedAt);
            WriteTime(json, IndexFields.FirstEvidenceAt, outcome.FirstEvidenceAt);
            if (outcome.FirstEvidence is { } first)
            {
                json.WriteString(IndexFields.FirstEvidence, first);
            }
            WriteTime(json, IndexFields.SealedAt, outcome.SealedAt);
            if (outcome.LatencyMs is { } latency)
            {
                json.WriteNumber(IndexFields.LatencyMs, Math.Round(latency, 3));
            }
            json.WriteString(IndexFields.EventFormat, e.RawFormat);
            json.WriteString(IndexFields.EventSha256, Convert.ToHexStringLower(SHA256.HashData(e.Raw.Span)));
            WriteEvent(json, e);
        });
    }

    /// <summary>A source lost its connection, got it back, or ended; <paramref name="since"/> is what it asks for again.</summary>
    public void Source(IContainerRuntime runtime, UnixTime at, string state, string reason, UnixTime? since, bool replaysSince)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        Write(json =>
        {
            json.WriteString(IndexFields.Type, IndexFields.Types.Source);
            json.WriteString(IndexFields.At, at.ToIso8601());
            json.WriteString(IndexFields.Runtime, runtime.Descriptor.Name);
            json.WriteString(IndexFields.Endpoint, runtime.Descriptor.Endpoint);
            json.WriteString(IndexFields.State, state);
            json.WriteString(IndexFields.Reason, reason);
            WriteTime(json, IndexFields.Since, since);
            json.WriteBoolean(IndexFields.ReplaysSince, replaysSince);
        });
    }

    /// <summary>The closing line, once: the counts, why the watch ended, and the SHA-256 of every byte above it.</summary>
    public void WatchEnded(UnixTime at, string reason, WatchCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }
            string above = Convert.ToHexStringLower(_hash.GetCurrentHash());
            WriteLocked(json =>
            {
                json.WriteString(IndexFields.Type, IndexFields.Types.WatchEnded);
                json.WriteString(IndexFields.At, at.ToIso8601());
                json.WriteString(IndexFields.Reason, reason);
                json.WriteNumber(IndexFields.Seen, counts.Seen);
                json.WriteNumber(IndexFields.Collected, counts.Collected);
                json.WriteNumber(IndexFields.Complete, counts.Complete);
                json.WriteNumber(IndexFields.Partial, counts.Collected - counts.Complete);
                json.WriteNumber(IndexFields.Dropped, counts.Dropped);
                json.WriteNumber(IndexFields.Failed, counts.Failed);
                json.WriteString(IndexFields.IndexSha256, above);
            });
            _ended = true;
        }
    }

    /// <summary>
    /// The event's bytes: as JSON inside the line when they are one JSON document (Docker's
    /// /events lines, a Kubernetes watch line: the bytes are kept, not re-serialized), else base64.
    /// </summary>
    private static void WriteEvent(Utf8JsonWriter json, ContainerEvent e)
    {
        if (e.RawFormat == ContainerEvent.JsonFormat && IsOneJsonValue(e.Raw.Span))
        {
            json.WritePropertyName(IndexFields.Event);
            json.WriteRawValue(e.Raw.Span, skipInputValidation: true);
            return;
        }
        json.WriteBase64String(IndexFields.EventBase64, e.Raw.Span);
    }

    /// <summary>One JSON value and no line break (a line break would split the index line).</summary>
    private static bool IsOneJsonValue(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
        {
            return false;
        }
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read())
            {
                return false;
            }
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, UnixTime? time)
    {
        if (time is { } t)
        {
            json.WriteString(name, t.ToIso8601());
        }
    }

    private void Write(Action<Utf8JsonWriter> body)
    {
        lock (_lock)
        {
            WriteLocked(body);
        }
    }

    private void WriteLocked(Action<Utf8JsonWriter> body)
    {
        if (_ended)
        {
            throw new InvalidOperationException("the index is closed");
        }
        _line.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_line, Compact))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        _line.Write("\n"u8);
        try
        {
            _output.Write(_line.WrittenSpan);
            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new ArchiveOutputException($"the watch index could not be written: {ex.Message}", ex);
        }
        _hash.AppendData(_line.WrittenSpan);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_output is FileStream file)
            {
                try
                {
                    file.Flush(flushToDisk: true);
                }
                catch (IOException)
                {
                    // Every line was already written; only the final fsync failed.
                }
            }
            _output.Dispose();
            _hash.Dispose();
        }
    }
}
