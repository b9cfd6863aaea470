using k8s.KubeConfigModels;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// Kubeconfig files merged as kubectl merges the files of $KUBECONFIG
/// (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files):
/// the first file to set current-context wins; contexts, clusters and users are keyed by name
/// and the first occurrence of a name wins, whole (entries are not merged field by field).
/// Names compare exactly, as Go map keys do (the library compares them ignoring case).
/// </summary>
internal sealed class MergedKubeConfig
{
    private readonly List<string> _files = [];
    private readonly Dictionary<string, KubeConfigEntry<Context>> _contexts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KubeConfigEntry<Cluster>> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KubeConfigUser> _users = new(StringComparer.Ordinal);

    /// <summary>The files merged, in merge order.</summary>
    public IReadOnlyList<string> Files => _files;

    public string? CurrentContext { get; private set; }

    /// <summary>The file whose current-context was taken.</summary>
    public string? CurrentContextFile { get; private set; }

    /// <summary>The context names known, in the order first seen (for messages).</summary>
    public IEnumerable<string> ContextNames => _contexts.Keys;

    /// <summary>Nothing at all in the files: kubectl then falls back to the pod's service account, and so does cfir.</summary>
    public bool IsEmpty => CurrentContext is null && _contexts.Count == 0 && _clusters.Count == 0 && _users.Count == 0;

    /// <summary>Merges one more file, of lower precedence than those before it.</summary>
    public void Add(KubeConfigDocument document)
    {
        _files.Add(document.Path);
        if (CurrentContext is null && !string.IsNullOrEmpty(document.Config.CurrentContext))
        {
            CurrentContext = document.Config.CurrentContext;
            CurrentContextFile = document.Path;
        }
        foreach (var context in document.Config.Contexts)
        {
            _contexts.TryAdd(context.Name, new(context.Name, context, document.Path));
        }
        foreach (var cluster in document.Config.Clusters)
        {
            _clusters.TryAdd(cluster.Name, new(cluster.Name, cluster, document.Path));
        }
        foreach (var user in document.Config.Users)
        {
            _users.TryAdd(user.Name, new(user.Name, user, document.Path, document.TokenFiles.GetValueOrDefault(user.Name)));
        }
    }

    public KubeConfigEntry<Context>? Context(string name) => _contexts.GetValueOrDefault(name);

    public KubeConfigEntry<Cluster>? Cluster(string name) => _clusters.GetValueOrDefault(name);

    public KubeConfigUser? User(string name) => _users.GetValueOrDefault(name);

    /// <summary>"kubeconfig PATH" or "kubeconfig PATH:PATH", as messages name the source.</summary>
    public string Description => "kubeconfig " + string.Join(':', _files);
}
