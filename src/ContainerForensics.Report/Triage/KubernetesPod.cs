namespace ContainerForensics.Report.Triage;

/// <summary>
/// What the report keeps of a pod collected from the Kubernetes API server
/// (<c>containers/kubernetes/&lt;ns&gt;/pods/&lt;pod folder&gt;/api/metadata/</c>, docs/evidence-format.md):
/// its hostPath and Secret volumes from <c>pod.json</c>, and the grants of cluster-admin to its
/// service account from <c>rbac/grants.json</c>, each with the archive path it rests on.
/// </summary>
public sealed class KubernetesPod
{
    /// <summary>The pod object's archive path (<c>.../api/metadata/pod.json</c>), once it was read.</summary>
    public string? PodPath { get; set; }

    public string? ServiceAccount { get; set; }

    /// <summary>cfir's <c>rbac/grants.json</c> of the pod's service account, when it was read.</summary>
    public string? GrantsPath { get; set; }

    public List<HostPathVolume> HostPaths { get; } = [];
    public List<SecretVolume> Secrets { get; } = [];
    public List<AdminGrant> ClusterAdmin { get; } = [];

    /// <summary>The archive paths of the Secret digests (<c>secrets/NAME.json</c>) in the pod's folder, by Secret name.</summary>
    public Dictionary<string, string> SecretDigests { get; } = new(StringComparer.Ordinal);
}

public sealed record HostPathVolume(string Volume, string Path);

/// <summary>A volume (or a projected volume's source) that mounts a Secret's keys as files.</summary>
public sealed record SecretVolume(string Volume, string Secret);

/// <summary>A binding that grants the pod's service account cluster-admin, or a role with every verb on every resource.</summary>
public sealed record AdminGrant(string Binding, string Scope, string Role, string Why, string? BindingPath, string? RolePath);
