using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Kubernetes;

/// <summary>The Kubernetes provider's command-line options, spelled as kubectl users expect them.</summary>
public static class KubernetesOptions
{
    public static readonly RuntimeOption KubeConfig = new("--kubeconfig",
        "Kubernetes: kubeconfig file. Default: $KUBECONFIG (files merged as kubectl merges them), then ~/.kube/config, then the pod's service account.", "PATH");

    public static readonly RuntimeOption Context = new("--context",
        "Kubernetes: the kubeconfig context to use (default: its current-context).", "NAME");

    public static readonly RuntimeOption Namespace = new("--namespace",
        "Kubernetes: only pods of this namespace. Repeatable. Default: every namespace.", "NS")
    {
        Kind = RuntimeOptionKind.Repeatable,
        Aliases = ["-n"],
    };

    public static readonly RuntimeOption AllNamespaces = new("--all-namespaces",
        "Kubernetes: pods of every namespace (the default when no --namespace is given).", "")
    {
        Kind = RuntimeOptionKind.Flag,
        Aliases = ["-A"],
    };

    /// <summary>
    /// The kubeconfig on a compromised host may be the attacker's, and an exec credential plugin
    /// (users[].exec.command) or an auth provider is a program or a request of its choosing:
    /// neither runs unless the responder says so.
    /// </summary>
    public static readonly RuntimeOption AllowExecPlugin = new("--allow-exec-plugin",
        "Kubernetes: run the kubeconfig's exec credential plugin or auth provider (refused by default: the kubeconfig may be the attacker's).", "")
    {
        Kind = RuntimeOptionKind.Flag,
    };

    /// <summary>Secrets' values go into the archive only when asked; otherwise their keys and the sha256 of each value.</summary>
    public static readonly RuntimeOption SecretValues = new("--secret-values",
        "Kubernetes: also store the values of the Secrets a pod references (default: key names and the sha256 of each value only).", "")
    {
        Kind = RuntimeOptionKind.Flag,
    };

    public static IReadOnlyList<RuntimeOption> All => [KubeConfig, Context, Namespace, AllNamespaces, AllowExecPlugin, SecretValues];
}
