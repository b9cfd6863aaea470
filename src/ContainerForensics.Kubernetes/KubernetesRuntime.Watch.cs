using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Api;
using ContainerForensics.Kubernetes.Watching;

namespace ContainerForensics.Kubernetes;

/// <summary>
/// The pod watch (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
/// a list of the selected namespaces' pods sets the baseline and the resourceVersion, then
/// <c>GET .../pods?watch=1&amp;resourceVersion=RV&amp;allowWatchBookmarks=true&amp;timeoutSeconds=N</c>
/// streams one JSON object a line, <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}</c>.
/// Each pod's changes become container events (<see cref="PodStates"/>), whose bytes are the
/// watch line as the server sent it. Every event and bookmark moves the resourceVersion, and the
/// watch is asked again from there when the server ends it (<c>timeoutSeconds</c>) or the
/// connection breaks: nothing the server still holds is lost, which is why <c>since</c> is not
/// needed. A 410 Gone (an ERROR event, or the status: the version fell out of the server's
/// history) lists again; what changed meanwhile is read off the difference, each such event's
/// bytes the pod as listed.
/// </summary>
public sealed partial class KubernetesRuntime : IContainerEventSource
{
    /// <summary>How long the server keeps one watch open before cfir asks again from where it was.</summary>
    internal static readonly TimeSpan WatchWindow = TimeSpan.FromMinutes(5);

    /// <summary>One watch line's cap: a pod object is rarely past 100 KiB; a line past this breaks the stream.</summary>
    internal const int MaxWatchLine = 16 << 20;

    private readonly PodStates _podStates = new();
    private string? _resourceVersion;
    private bool _baselineTaken;
    private UnixTime? _watchSince;

    /// <summary>The watch resumes from the last resourceVersion it saw, within the server's history.</summary>
    public bool ReplaysSince => true;

    /// <param name="since">
    /// Where the watch began: the first list gives what its times put after it (a container that
    /// started between then and the list); later, a resourceVersion says where to resume, to the change.
    /// </param>
    public async IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _watchSince ??= since is { } s ? UnixTime.FromDateTimeOffset(s) : null;
        string path = Namespaces.Count == 1 ? ApiPaths.Pods(Namespaces[0]) : "/api/v1/pods";
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_resourceVersion is null)
            {
                foreach (var e in await RelistAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }
            }
            string query = KubernetesApi.Query(("watch", "1"), ("resourceVersion", _resourceVersion), ("allowWatchBookmarks", "true"),
                ("timeoutSeconds", KubernetesApi.Number((long)WatchWindow.TotalSeconds)));
            Stream stream;
            try
            {
                stream = await Api.OpenStreamAsync(path + query, cancellationToken, WatchWindow + Api.CallTimeout).ConfigureAwait(false);
            }
            catch (ApiCallException ex) when (ex.StatusCode == HttpStatusCode.Gone)
            {
                _resourceVersion = null; // too old: list again
                continue;
            }
            await using (stream.ConfigureAwait(false))
            {
                await foreach (var line in ReadLinesAsync(stream, path, cancellationToken).ConfigureAwait(false))
                {
                    var events = FromWatchLine(line, out bool expired);
                    foreach (var e in events)
                    {
                        yield return e;
                    }
                    if (expired)
                    {
                        _resourceVersion = null;
                        break;
                    }
                }
            }
        }
    }

    /// <summary>The pods of the selected namespaces now: the first time a baseline (events only for what its times put after the watch's start), later the changes since the pods last seen.</summary>
    private async Task<IReadOnlyList<ContainerEvent>> RelistAsync(CancellationToken cancellationToken)
    {
        bool baseline = !_baselineTaken;
        _baselineTaken = true;
        var events = new List<ContainerEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? version = null;
        IReadOnlyList<string> paths = Namespaces.Count == 0 ? ["/api/v1/pods"] : [.. Namespaces.Select(ApiPaths.Pods)];
        foreach (string listPath in paths)
        {
            await foreach (var page in PagedList.ReadAsync(Api, listPath, [], cancellationToken).ConfigureAwait(false))
            {
                using (page)
                {
                    // Lists of several namespaces are read one after another: the watch starts at the first's version (what the later ones already hold changes nothing).
                    version ??= page.ResourceVersion;
                    foreach (var pod in page.Items)
                    {
                        if (pod.TryGetProperty("metadata", out var meta) && PodListing.Text(meta, "uid") is { } uid)
                        {
                            seen.Add(uid);
                        }
                        var raw = JsonSerializer.SerializeToUtf8Bytes(pod);
                        events.AddRange(ToEvents(_podStates.Apply("MODIFIED", pod, baseline, _watchSince), pod, raw, "relist"));
                    }
                }
            }
        }
        // A pod known before and not listed now was deleted while no watch was open.
        foreach (string gone in _podStates.Uids.Where(u => !seen.Contains(u)).ToList())
        {
            _podStates.Forget(gone);
            events.Add(new ContainerEvent(RuntimeName, gone, "destroy", default)
            {
                Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["type"] = "relist" },
                Raw = JsonSerializer.SerializeToUtf8Bytes(new { type = "relist", deletedPodUid = gone }),
            });
        }
        _resourceVersion = version ?? "0";
        return events;
    }

    /// <summary>One watch line: the events of its pod, the resourceVersion moved on; <paramref name="expired"/> for a 410 ERROR.</summary>
    private IReadOnlyList<ContainerEvent> FromWatchLine(byte[] line, out bool expired)
    {
        expired = false;
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        string type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        if (!root.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"a watch event without an object: {type}");
        }
        if (type == "ERROR")
        {
            if (obj.TryGetProperty("code", out var code) && code.TryGetInt32(out int status) && status == (int)HttpStatusCode.Gone)
            {
                expired = true;
                return [];
            }
            throw new InvalidDataException($"the pod watch ended with an error: {PodListing.Text(obj, "message")}");
        }
        if (obj.TryGetProperty("metadata", out var meta) && PodListing.Text(meta, "resourceVersion") is { Length: > 0 } version)
        {
            _resourceVersion = version;
        }
        if (type is not ("ADDED" or "MODIFIED" or "DELETED"))
        {
            return []; // BOOKMARK: only the version
        }
        if (Namespaces.Count > 1 && (meta.ValueKind != JsonValueKind.Object || PodListing.Text(meta, "namespace") is not { } ns || !Namespaces.Contains(ns)))
        {
            return []; // several namespaces are watched through all of them
        }
        return [.. ToEvents(_podStates.Apply(type, obj, baseline: false), obj, line, type)];
    }

    private static IEnumerable<ContainerEvent> ToEvents(IReadOnlyList<PodTransition> transitions, JsonElement pod, byte[] raw, string type)
    {
        if (transitions.Count == 0 || !pod.TryGetProperty("metadata", out var meta) || PodListing.Text(meta, "uid") is not { } uid)
        {
            yield break;
        }
        string? ns = PodListing.Text(meta, "namespace");
        string? name = PodListing.Text(meta, "name");
        foreach (var change in transitions)
        {
            var attributes = new Dictionary<string, string>(change.Attributes, StringComparer.Ordinal) { ["type"] = type };
            Put(attributes, "namespace", ns);
            Put(attributes, "pod", name);
            Put(attributes, "container", change.Container);
            Put(attributes, "containerKind", change.ContainerKind);
            yield return new ContainerEvent(RuntimeName, uid, change.Action, change.Time ?? UnixTime.FromDateTimeOffset(DateTimeOffset.UtcNow))
            {
                Name = name,
                Attributes = attributes,
                Raw = raw,
            };
        }
    }

    /// <summary>Lines of the watch body, bounded (<see cref="MaxWatchLine"/>); the stream's end ends them.</summary>
    private static async IAsyncEnumerable<byte[]> ReadLinesAsync(Stream stream, string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new byte[1 << 16];
        var line = new ArrayBufferWriter<byte>(1 << 14);
        int got;
        while ((got = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var rest = chunk.AsMemory(0, got);
            while (!rest.IsEmpty)
            {
                int newline = rest.Span.IndexOf((byte)'\n');
                var piece = newline < 0 ? rest : rest[..newline];
                if (line.WrittenCount + piece.Length > MaxWatchLine)
                {
                    throw new InvalidDataException($"GET {path}?watch=1: a line longer than {MaxWatchLine} bytes");
                }
                line.Write(piece.Span);
                if (newline < 0)
                {
                    break;
                }
                rest = rest[(newline + 1)..];
                if (line.WrittenCount > 0)
                {
                    yield return line.WrittenSpan.ToArray();
                }
                line.Clear();
            }
        }
    }

    /// <summary>The pod as the event's object (a watch line) or as listed (a relist's event) describes it: a whole pod, no call.</summary>
    public ContainerInfo? Describe(ContainerEvent containerEvent)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        try
        {
            using var doc = JsonDocument.Parse(containerEvent.Raw);
            var root = doc.RootElement;
            var pod = root.TryGetProperty("object", out var obj) ? obj : root;
            return PodListing.ToContainerInfo(pod);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The pod now (GET of the pod by namespace and name); null when the server has it no more.</summary>
    public async Task<ContainerInfo?> FindContainerAsync(ContainerEvent containerEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        if (containerEvent.Attributes.GetValueOrDefault("namespace") is not { } ns || containerEvent.Attributes.GetValueOrDefault("pod") is not { } name)
        {
            return null;
        }
        byte[] bytes;
        try
        {
            bytes = await Api.GetBytesAsync(ApiPaths.Pod(ns, name), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiCallException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(bytes);
        return PodListing.ToContainerInfo(doc.RootElement) is { } pod && pod.Id == containerEvent.ContainerId ? pod : null;
    }
}
