namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>What <see cref="K8sFixtures.Pod"/> builds: a pod's identity, spec and status inputs.</summary>
public sealed record PodFixture(string Namespace, string Name, string Uid)
{
    public IReadOnlyList<ContainerFixture> Containers { get; init; } = [new("app", "registry.example.com/shop/app:1.4.2")];

    public IReadOnlyList<ContainerFixture> InitContainers { get; init; } = [];

    public IReadOnlyList<ContainerFixture> EphemeralContainers { get; init; } = [];

    public string ServiceAccountName { get; init; } = "default";

    public string? NodeName { get; init; } = "worker-1";

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<VolumeFixture> Volumes { get; init; } = [];

    public IReadOnlyList<string> ImagePullSecrets { get; init; } = [];

    public IReadOnlyList<OwnerReference> Owners { get; init; } = [];

    /// <summary>status.phase.</summary>
    public string Phase { get; init; } = "Running";

    public string PodIp { get; init; } = "10.244.1.23";

    /// <summary>A top-level field no Kubernetes version defines, as JSON text (what a client must keep, not drop): (name, value).</summary>
    public (string Name, string Json)? UnknownField { get; init; }

    public DateTimeOffset Created { get; init; } = K8sFixtures.Created;
}
