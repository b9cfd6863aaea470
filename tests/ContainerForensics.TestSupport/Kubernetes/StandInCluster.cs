using System.Text.Json;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// What the stand-in API server serves: objects kept as their exact JSON bytes, container logs,
/// the identity behind the bearer token, the rules SelfSubjectRulesReview answers, and faults.
/// Thread-safe: a test may change it while a client reads.
/// </summary>
public sealed class StandInCluster
{
    /// <summary>What SelfSubjectRulesReview answers by default: everything allowed, as for cluster-admin.</summary>
    public const string AllowEverythingRules =
        """{"resourceRules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}],"nonResourceRules":[{"verbs":["*"],"nonResourceURLs":["*"]}],"incomplete":false}""";

    /// <summary>Lists are ordered by namespace, then name (ordinal), so pages and continue tokens are deterministic.</summary>
    private static readonly Comparer<(string Ns, string Name)> ListOrder = Comparer<(string Ns, string Name)>.Create((a, b) =>
        string.CompareOrdinal(a.Ns, b.Ns) is var c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name));

    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<(string Ns, string Name), StoredObject>> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Ns, string Pod, string Container, bool Previous), List<LogLine>> _logs = [];
    private readonly Dictionary<string, string> _rules = new(StringComparer.Ordinal);
    private string _defaultRules = AllowEverythingRules;
    private long _resourceVersion = 1000;
    private StandInUser _user = StandInUser.Admin;

    internal ApiResourceCatalog Catalog { get; } = new();

    /// <summary>The identity of the bearer token (client certificates carry their own: CN and O).</summary>
    public StandInUser User
    {
        get { lock (_lock) { return _user; } }
        set { lock (_lock) { _user = value ?? throw new ArgumentNullException(nameof(value)); } }
    }

    public StandInFaults Faults { get; } = new();

    /// <summary>The version a list reports (metadata.resourceVersion): above every object's, and moved by each change.</summary>
    public string ResourceVersion
    {
        get { lock (_lock) { return _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture); } }
    }

    /// <summary>
    /// Adds or replaces an object given as its JSON text; kind, apiVersion, metadata.namespace and
    /// metadata.name decide where it lives. The bytes are kept and served exactly as given: nothing
    /// is invented (no uid, no resourceVersion, no creationTimestamp). A CustomResourceDefinition
    /// also makes its custom resources servable, as on a real cluster.
    /// </summary>
    /// <exception cref="ArgumentException">Not JSON, no kind/name, a kind nothing serves, or a namespace where none belongs.</exception>
    public void Add(string json)
    {
        var obj = StoredObject.Parse(json, Catalog);
        bool definition = obj.Resource is { Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition" };
        if (definition)
        {
            try
            {
                Catalog.AddDefinition(obj.Name, obj.Root);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
            {
                throw new ArgumentException($"CustomResourceDefinition {obj.Name}: spec.group, spec.names (plural, kind) and spec.versions are required", nameof(json), e);
            }
        }
        lock (_lock)
        {
            if (!_objects.TryGetValue(Key(obj.Resource), out var bucket))
            {
                _objects[Key(obj.Resource)] = bucket = new(ListOrder);
            }
            bool replaced = bucket.ContainsKey((obj.Namespace, obj.Name));
            bucket[(obj.Namespace, obj.Name)] = obj;
            _resourceVersion = Math.Max(_resourceVersion + 1, obj.NumericResourceVersion ?? 0);
            Record(replaced ? "MODIFIED" : "ADDED", obj);
        }
    }

    /// <summary>
    /// The changes watches replay (ADDED, MODIFIED, DELETED), each at the version it made; those at
    /// or below <see cref="_compactedTo"/> are gone, as etcd's compaction removes history.
    /// </summary>
    private readonly List<WatchEvent> _history = [];
    private long _compactedTo;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Forgets the history up to now: a watch asked from an older version gets 410 Gone ("too old resource version").</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compactedTo = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>Sends every open watch that asked for them a BOOKMARK at the current version.</summary>
    public void Bookmark()
    {
        lock (_lock)
        {
            _history.Add(new WatchEvent(_resourceVersion, "BOOKMARK", null));
            Wake();
        }
    }

    private void Record(string type, StoredObject obj)
    {
        _history.Add(new WatchEvent(_resourceVersion, type, obj));
        Wake();
    }

    private void Wake()
    {
        _changed.TrySetResult();
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The changes after <paramref name="after"/> (null: none, too old: compacted away), the version
    /// reached, and a task that completes at the next change.
    /// </summary>
    internal (IReadOnlyList<WatchEvent>? Events, long ResourceVersion, Task Changed) Changes(long after)
    {
        lock (_lock)
        {
            if (after < _compactedTo)
            {
                return (null, _resourceVersion, _changed.Task);
            }
            return ([.. _history.Where(e => e.ResourceVersion > after)], _resourceVersion, _changed.Task);
        }
    }

    /// <summary>Adds each object in turn.</summary>
    public void AddRange(IEnumerable<string> objects)
    {
        foreach (var json in objects)
        {
            Add(json);
        }
    }

    /// <summary>Removes an object; false when there was none.</summary>
    public bool Remove(string apiVersion, string kind, string? ns, string name)
    {
        var resource = Catalog.ForKind(apiVersion, kind);
        if (resource is null)
        {
            return false;
        }
        lock (_lock)
        {
            if (!_objects.TryGetValue(Key(resource), out var bucket) || !bucket.Remove((resource.Namespaced ? ns ?? "" : "", name), out var removed))
            {
                return false;
            }
            _resourceVersion++;
            if (removed is not null)
            {
                Record("DELETED", removed);
            }
            if (resource is { Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition" })
            {
                Catalog.RemoveDefinition(name);
            }
            return true;
        }
    }

    /// <summary>The JSON text of an object as stored, or null.</summary>
    public string? Find(string apiVersion, string kind, string? ns, string name)
    {
        var resource = Catalog.ForKind(apiVersion, kind);
        return resource is null ? null : Get(resource, ns ?? "", name) is { } o ? System.Text.Encoding.UTF8.GetString(o.Bytes) : null;
    }

    /// <summary>
    /// One line of a container's log, with the time the runtime stamped on it (UTC).
    /// <paramref name="previous"/> is the log of the instance before the last restart, what
    /// `kubectl logs --previous` reads.
    /// </summary>
    public void AddLogLine(string ns, string pod, string container, bool previous, DateTimeOffset time, string line)
    {
        lock (_lock)
        {
            var key = (ns, pod, container, previous);
            if (!_logs.TryGetValue(key, out var lines))
            {
                _logs[key] = lines = [];
            }
            lines.Add(new LogLine(time.ToUniversalTime(), line));
        }
    }

    /// <summary>What SelfSubjectRulesReview answers for a namespace: the raw JSON of its .status.</summary>
    public void SetRules(string ns, string statusJson)
    {
        using (JsonDocument.Parse(statusJson))
        {
            // Only checks it is JSON: a broken fixture fails here, not inside a client under test.
        }
        lock (_lock)
        {
            _rules[ns] = statusJson;
        }
    }

    /// <summary>What SelfSubjectRulesReview answers for namespaces without <see cref="SetRules"/>.</summary>
    public void SetDefaultRules(string statusJson)
    {
        using (JsonDocument.Parse(statusJson))
        {
        }
        lock (_lock)
        {
            _defaultRules = statusJson;
        }
    }

    internal string RulesFor(string ns)
    {
        lock (_lock)
        {
            return _rules.GetValueOrDefault(ns) ?? _defaultRules;
        }
    }

    internal StoredObject? Get(ApiResource resource, string ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue(Key(resource), out var bucket) && bucket.TryGetValue((resource.Namespaced ? ns : "", name), out var o) ? o : null;
        }
    }

    /// <summary>A snapshot of a resource's objects in one namespace (null: all), in list order: namespace, then name.</summary>
    internal (IReadOnlyList<StoredObject> Items, long ResourceVersion) List(ApiResource resource, string? ns)
    {
        lock (_lock)
        {
            var items = _objects.TryGetValue(Key(resource), out var bucket)
                ? bucket.Values.Where(o => ns is null || o.Namespace == ns).ToList()
                : [];
            return (items, _resourceVersion);
        }
    }

    /// <summary>The lines of a container instance's log, or null when nothing was ever logged there.</summary>
    internal IReadOnlyList<LogLine>? Log(string ns, string pod, string container, bool previous)
    {
        lock (_lock)
        {
            return _logs.TryGetValue((ns, pod, container, previous), out var lines) ? [.. lines] : null;
        }
    }

    private static string Key(ApiResource r) => $"{r.Group}/{r.Version}/{r.Name}";
}

/// <summary>One change a watch replays: its version, its type, the object (none for a bookmark).</summary>
internal sealed record WatchEvent(long ResourceVersion, string Type, StoredObject? Object);

/// <summary>A log line and the time the container runtime stamped on it.</summary>
internal readonly record struct LogLine(DateTimeOffset Time, string Text);
