using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// Times inside the JSON documents a collection took: a container's life from its inspect
/// document, its processes' start times from processes.json (computed at collection from
/// /proc/PID/stat and the boot time), and Kubernetes events. Each reader takes the document's
/// bytes and says nothing about a field it does not find: the document is evidence, not a schema.
/// </summary>
internal static class DocumentTimes
{
    public static void FromInspect(JsonElement root, string archivePath, ArchiveLocation where, Action<TimelineEvent> emit)
    {
        string name = Str(root, "Name")?.TrimStart('/') ?? where.Container ?? "?";
        if (Str(root, "Created") is { } created)
        {
            Emit(created, "Container created", $"container {name} created from {Str(root, "Config", "Image") ?? Str(root, "ImageName") ?? "?"}");
        }
        if (root.TryGetProperty("State", out var state) && state.ValueKind == JsonValueKind.Object)
        {
            if (Str(state, "StartedAt") is { } started)
            {
                Emit(started, "Container started", $"container {name} started");
            }
            if (Str(state, "FinishedAt") is { } finished)
            {
                string exit = state.TryGetProperty("ExitCode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetRawText() : "?";
                bool oom = state.TryGetProperty("OOMKilled", out var o) && o.ValueKind == JsonValueKind.True;
                Emit(finished, "Container finished", $"container {name} finished, exit code {exit}{(oom ? ", OOM-killed" : "")}");
            }
        }

        void Emit(string text, string desc, string message)
        {
            if (Rfc3339.TryParse(text, out var when) && !Rfc3339.IsZero(when))
            {
                emit(new TimelineEvent
                {
                    When = when, TimestampDesc = desc, Message = message, DataType = "cfir:container",
                    ArchivePath = archivePath, Runtime = where.Runtime, Container = where.Container,
                });
            }
        }
    }

    public static void FromProcesses(JsonElement root, string archivePath, ArchiveLocation where, Action<TimelineEvent> emit)
    {
        if (!root.TryGetProperty("processes", out var processes) || processes.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var p in processes.EnumerateArray())
        {
            if (Str(p, "startTime") is not { } start || !Rfc3339.TryParse(start, out var when))
            {
                continue;
            }
            string pid = p.TryGetProperty("pid", out var pidValue) ? pidValue.GetRawText() : "?";
            string argv = p.TryGetProperty("argv", out var a) && a.ValueKind == JsonValueKind.Array
                ? string.Join(' ', a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText()))
                : Str(p, "name") ?? "";
            bool deleted = p.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True;
            var fields = new List<KeyValuePair<string, string>> { new("pid", pid), new("argv", argv) };
            if (Str(p, "exe") is { } exe)
            {
                fields.Add(new("exe", exe));
            }
            if (Str(p, "exeSha256") is { } exeHash)
            {
                fields.Add(new("exe_sha256", exeHash));
            }
            emit(new TimelineEvent
            {
                When = when,
                TimestampDesc = "Process started",
                Message = $"pid {pid} started: {argv}{(deleted ? " (executable deleted)" : "")}",
                DataType = "cfir:process",
                ArchivePath = archivePath,
                Runtime = where.Runtime,
                Container = where.Container,
                Fields = fields,
            });
        }
    }

    /// <summary>core/v1 Events (a list or a page of one): eventTime, else lastTimestamp, else firstTimestamp.</summary>
    public static void FromKubernetesEvents(JsonElement root, string archivePath, ArchiveLocation where, Action<TimelineEvent> emit)
    {
        if (!root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var e in items.EnumerateArray())
        {
            string? stamp = Str(e, "eventTime") ?? Str(e, "lastTimestamp") ?? Str(e, "firstTimestamp") ?? Str(e, "deprecatedLastTimestamp");
            if (stamp is null || !Rfc3339.TryParse(stamp, out var when))
            {
                continue;
            }
            string reason = Str(e, "reason") ?? "";
            string message = Str(e, "message") ?? Str(e, "note") ?? "";
            emit(new TimelineEvent
            {
                When = when,
                TimestampDesc = "Kubernetes event",
                Message = $"{Str(e, "type") ?? "Event"} {reason}: {message}",
                DataType = "cfir:kubernetes-event",
                ArchivePath = archivePath,
                Runtime = where.Runtime,
                Container = where.Container,
                Fields = [new("reason", reason)],
            });
        }
    }

    /// <summary>One line of Docker's or Podman's /events: timeNano (else time, seconds), Type, Action, the actor's name.</summary>
    public static void FromEngineEvent(JsonElement e, string archivePath, ArchiveLocation where, Action<TimelineEvent> emit)
    {
        UnixTime when;
        if (e.TryGetProperty("timeNano", out var nano) && nano.TryGetInt64(out long ns))
        {
            when = new UnixTime(Math.DivRem(ns, 1_000_000_000L, out long rem), (uint)rem);
        }
        else if (e.TryGetProperty("time", out var t) && t.TryGetInt64(out long s))
        {
            when = new UnixTime(s, 0);
        }
        else
        {
            return;
        }
        string type = Str(e, "Type") ?? Str(e, "type") ?? "?";
        string action = Str(e, "Action") ?? Str(e, "status") ?? "?";
        string actor = e.TryGetProperty("Actor", out var a) && a.ValueKind == JsonValueKind.Object
            ? (a.TryGetProperty("Attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object ? Str(attrs, "name") : null) ?? Str(a, "ID") ?? "?"
            : Str(e, "id") ?? "?";
        emit(new TimelineEvent
        {
            When = when,
            TimestampDesc = "Engine event",
            Message = $"{type} {actor}: {action}",
            DataType = "cfir:engine-event",
            ArchivePath = archivePath,
            Runtime = where.Runtime,
            Fields = [new("type", type), new("action", action), new("actor", actor)],
        });
    }

    private static string? Str(JsonElement e, params string[] path)
    {
        foreach (string p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
            {
                return null;
            }
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }
}
