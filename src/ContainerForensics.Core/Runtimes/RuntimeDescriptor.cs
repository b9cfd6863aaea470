namespace ContainerForensics.Core.Runtimes;

/// <summary>A runtime that answered: what it is, where, which version, recorded in the acquisition record.</summary>
public sealed record RuntimeDescriptor(string Name, string Endpoint, string? Version, string? ApiVersion)
{
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Where it runs relative to cfir, decided at discovery. Not said is not proven: nothing of
    /// the host (/proc, host paths) is read for a runtime that does not say.
    /// </summary>
    public RuntimeLocality Locality { get; init; } = RuntimeLocality.Unknown("the runtime did not say where it runs");

    /// <summary>Where it runs nested (found inside a container at discovery); null for a runtime of this host.</summary>
    public NestingLink? Nesting { get; init; }

    /// <summary>"docker at tcp://10.0.0.5:2375", "containerd in docker/kind-control-plane at /proc/4242/root/run/containerd/containerd.sock", for records.</summary>
    public override string ToString() => Nesting is { } link ? $"{Name} in {link.Describe()} at {Endpoint}" : $"{Name} at {Endpoint}";
}
