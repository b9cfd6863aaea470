using System.Globalization;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Kubernetes.Watching;

/// <summary>
/// The state of every container of the pods a watch has seen, by pod uid, and what changed when a
/// pod comes again: a pod watch sends whole objects (ADDED, MODIFIED, DELETED), not container
/// events, so the transitions are read off <c>status.*ContainerStatuses</c>
/// (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-states), in
/// Docker's words, so watch mode reads them as any runtime's:
/// <list type="table">
/// <item><term>create</term><description>a pod the watch had not seen is ADDED</description></item>
/// <item><term>start</term><description>a container is running with a <c>startedAt</c> not seen before (an ephemeral container, <c>kubectl debug</c>: <c>exec</c>)</description></item>
/// <item><term>die</term><description>a container is terminated with a <c>finishedAt</c> not seen before, or its <c>lastState.terminated</c> is new (it ended and was restarted between two updates)</description></item>
/// <item><term>oom</term><description>the same, with reason <c>OOMKilled</c>, before its <c>die</c></description></item>
/// <item><term>destroy</term><description>the pod is DELETED</description></item>
/// </list>
/// A baseline (the list a watch starts from) records, and gives only the transitions its times put
/// after the watch's start: what already ran before the watch is no trigger. Bounded: the pods seen least recently go first past the capacity, and a
/// deleted pod is forgotten.
/// </summary>
internal sealed class PodStates(int capacity = PodStates.DefaultCapacity)
{
    internal const int DefaultCapacity = 4096;

    private readonly Dictionary<string, LinkedListNode<(string Uid, Dictionary<string, ContainerState> Containers)>> _pods = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Uid, Dictionary<string, ContainerState> Containers)> _order = new();

    public int Count => _pods.Count;

    /// <summary>The pods known, by uid (a relist tells from them which were deleted meanwhile).</summary>
    public IReadOnlyCollection<string> Uids => _pods.Keys;

    /// <summary>One watch event's (or a relist item's) pod; returns what changed, in order.</summary>
    /// <param name="type">ADDED, MODIFIED or DELETED.</param>
    /// <param name="baseline">The start of a watch: record, and return only what happened at or after <paramref name="since"/> (to the second, Kubernetes' precision), none without it.</param>
    public IReadOnlyList<PodTransition> Apply(string type, JsonElement pod, bool baseline, UnixTime? since = null)
    {
        if (!pod.TryGetProperty("metadata", out var meta) || PodListing.Text(meta, "uid") is not { Length: > 0 } uid)
        {
            return [];
        }
        if (type == "DELETED")
        {
            Forget(uid);
            return [new PodTransition("destroy", null, null, Time(PodListing.Text(meta, "deletionTimestamp")), [])];
        }
        var now = Read(pod);
        Dictionary<string, ContainerState>? before = null;
        if (_pods.TryGetValue(uid, out var node))
        {
            before = node.Value.Containers;
            _order.Remove(node);
        }
        _pods[uid] = _order.AddLast((uid, now));
        while (_pods.Count > capacity && _order.First is { } oldest)
        {
            _order.RemoveFirst();
            _pods.Remove(oldest.Value.Uid);
        }
        if (baseline && since is null)
        {
            return [];
        }
        var changes = new List<PodTransition>();
        if (before is null && (type == "ADDED" || baseline))
        {
            changes.Add(new PodTransition("create", null, null, Time(PodListing.Text(meta, "creationTimestamp")), []));
        }
        foreach (var (key, c) in now)
        {
            ContainerState? was = before?.GetValueOrDefault(key);
            if (c.LastFinishedAt is { } last && was is not null && last != was.LastFinishedAt && last != was.FinishedAt)
            {
                AddDeath(changes, c, c.LastReason, c.LastExitCode, last);
            }
            if (c.State == "running" && (was is null || was.State != "running" || was.StartedAt != c.StartedAt))
            {
                changes.Add(new PodTransition(c.Kind == "ephemeral" ? "exec" : "start", c.Name, c.Kind, Time(c.StartedAt), Attributes(c, null, null)));
            }
            else if (c.State == "terminated" && c.FinishedAt is { } finished && (was is null || was.State != "terminated" || was.FinishedAt != finished))
            {
                AddDeath(changes, c, c.Reason, c.ExitCode, finished);
            }
        }
        if (baseline)
        {
            // What the list shows that happened since the watch began: a container started between its start and this list.
            long from = since!.Value.Seconds;
            return [.. changes.Where(t => t.Time is { } at && at.Seconds >= from)];
        }
        return changes;
    }

    public bool Forget(string uid)
    {
        if (!_pods.Remove(uid, out var node))
        {
            return false;
        }
        _order.Remove(node);
        return true;
    }

    private static void AddDeath(List<PodTransition> changes, ContainerState c, string? reason, string? exitCode, string finishedAt)
    {
        var attributes = Attributes(c, reason, exitCode);
        if (reason == "OOMKilled")
        {
            changes.Add(new PodTransition("oom", c.Name, c.Kind, Time(finishedAt), attributes));
        }
        changes.Add(new PodTransition("die", c.Name, c.Kind, Time(finishedAt), attributes));
    }

    private static Dictionary<string, string> Attributes(ContainerState c, string? reason, string? exitCode)
    {
        var a = new Dictionary<string, string>(StringComparer.Ordinal) { ["restartCount"] = c.RestartCount.ToString(CultureInfo.InvariantCulture) };
        if (reason is not null)
        {
            a["reason"] = reason;
        }
        if (exitCode is not null)
        {
            a["exitCode"] = exitCode;
        }
        if (c.ContainerId is { } id)
        {
            a["containerID"] = id;
        }
        return a;
    }

    /// <summary>Kubernetes times are RFC 3339 to the second; null when absent or unreadable.</summary>
    private static UnixTime? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? UnixTime.FromDateTimeOffset(t) : null;

    private static Dictionary<string, ContainerState> Read(JsonElement pod)
    {
        var result = new Dictionary<string, ContainerState>(StringComparer.Ordinal);
        if (!pod.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
        {
            return result;
        }
        foreach (var (field, kind) in new[] { ("initContainerStatuses", "init"), ("containerStatuses", "app"), ("ephemeralContainerStatuses", "ephemeral") })
        {
            if (!status.TryGetProperty(field, out var list) || list.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var s in list.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
            {
                if (PodListing.Text(s, "name") is not { } name)
                {
                    continue;
                }
                var state = new ContainerState { Name = name, Kind = kind, ContainerId = PodListing.Text(s, "containerID") };
                if (s.TryGetProperty("restartCount", out var rc) && rc.TryGetInt32(out int restarts))
                {
                    state.RestartCount = restarts;
                }
                if (s.TryGetProperty("state", out var st) && st.ValueKind == JsonValueKind.Object)
                {
                    if (st.TryGetProperty("running", out var running) && running.ValueKind == JsonValueKind.Object)
                    {
                        state.State = "running";
                        state.StartedAt = PodListing.Text(running, "startedAt");
                    }
                    else if (st.TryGetProperty("terminated", out var terminated) && terminated.ValueKind == JsonValueKind.Object)
                    {
                        state.State = "terminated";
                        state.StartedAt = PodListing.Text(terminated, "startedAt");
                        state.FinishedAt = PodListing.Text(terminated, "finishedAt");
                        state.Reason = PodListing.Text(terminated, "reason");
                        state.ExitCode = terminated.TryGetProperty("exitCode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetRawText() : null;
                    }
                }
                if (s.TryGetProperty("lastState", out var last) && last.ValueKind == JsonValueKind.Object &&
                    last.TryGetProperty("terminated", out var lt) && lt.ValueKind == JsonValueKind.Object)
                {
                    state.LastFinishedAt = PodListing.Text(lt, "finishedAt");
                    state.LastReason = PodListing.Text(lt, "reason");
                    state.LastExitCode = lt.TryGetProperty("exitCode", out var lc) && lc.ValueKind == JsonValueKind.Number ? lc.GetRawText() : null;
                }
                result[kind + ":" + name] = state;
            }
        }
        return result;
    }

    private sealed class ContainerState
    {
        public required string Name { get; init; }
        public required string Kind { get; init; }
        public string? ContainerId { get; init; }
        public string State { get; set; } = "waiting";
        public string? StartedAt { get; set; }
        public string? FinishedAt { get; set; }
        public string? Reason { get; set; }
        public string? ExitCode { get; set; }
        public string? LastFinishedAt { get; set; }
        public string? LastReason { get; set; }
        public string? LastExitCode { get; set; }
        public int RestartCount { get; set; }
    }
}

/// <summary>One change of a pod: the action in Docker's words, the container it concerns (none for the pod's own), the kind of container, the time Kubernetes gives it, and attributes.</summary>
internal sealed record PodTransition(string Action, string? Container, string? ContainerKind, UnixTime? Time, Dictionary<string, string> Attributes);
