namespace ContainerForensics.Kubernetes.Connection;

/// <summary>A context or cluster of a merged kubeconfig and the file it came from (every failure names it).</summary>
internal sealed record KubeConfigEntry<T>(string Name, T Value, string File);
