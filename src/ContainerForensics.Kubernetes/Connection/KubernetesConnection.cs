using k8s;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// How cfir reaches one API server: the library's configuration built from a kubeconfig (or the
/// pod's service account), and what the acquisition record says about it: where the
/// configuration came from, which context, cluster and user, how it authenticates, and whether
/// anything was relaxed or run (insecure-skip-tls-verify, an exec plugin).
/// </summary>
public sealed record KubernetesConnection
{
    public required KubernetesClientConfiguration Config { get; init; }

    /// <summary>Where the configuration came from: "--kubeconfig", "KUBECONFIG", "~/.kube/config", "in-cluster".</summary>
    public required string Source { get; init; }

    /// <summary>The kubeconfig files read, in merge order (empty in-cluster).</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    public string? Context { get; init; }

    public string? Cluster { get; init; }

    public string? User { get; init; }

    /// <summary>The API server's URL.</summary>
    public required string Server { get; init; }

    /// <summary>token, token-file, client-certificate, basic, exec, auth-provider:NAME, service-account, none.</summary>
    public required string Authentication { get; init; }

    /// <summary>The kubeconfig turned off the server certificate check (recorded: the server's identity was not proven).</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>
    /// The exec credential plugin run (with <c>--allow-exec-plugin</c>): its command and arguments,
    /// as the kubeconfig gave them (a command with a '/' made absolute against the kubeconfig's
    /// directory, as kubectl resolves it).
    /// </summary>
    public string? ExecCommand { get; init; }

    /// <summary>The context's namespace (not used to narrow the collection: every namespace unless -n is given).</summary>
    public string? DefaultNamespace { get; init; }
}
