namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>How the user of a written kubeconfig proves who it is.</summary>
public enum KubeconfigCredential
{
    /// <summary>users[].user.token: the server's token inline.</summary>
    Token,

    /// <summary>users[].user.tokenFile: the token in a file beside the kubeconfig (clients re-read it).</summary>
    TokenFile,

    /// <summary>users[].user.client-certificate-data / client-key-data.</summary>
    ClientCertificate,

    /// <summary>No credential of its own (with <see cref="KubeconfigOptions.ExtraUserYaml"/>, e.g. an exec: plugin).</summary>
    None,
}

/// <summary>
/// What <see cref="StandInApiServer.WriteKubeconfig"/> writes
/// (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/).
/// </summary>
public sealed record KubeconfigOptions
{
    public KubeconfigCredential Credential { get; init; } = KubeconfigCredential.Token;

    /// <summary>A token other than the server's (e.g. a wrong one, for 401 tests); null: the server's.</summary>
    public string? Token { get; init; }

    /// <summary>The certificate for <see cref="KubeconfigCredential.ClientCertificate"/>; null: one issued for the cluster's user.</summary>
    public StandInClientCertificate? ClientCertificate { get; init; }

    /// <summary>insecure-skip-tls-verify: true instead of certificate-authority-data.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    public string ContextName { get; init; } = "stand-in";

    /// <summary>The context's default namespace, or none.</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// YAML added under users[].user as given (each line indented to fit), e.g.
    /// "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: /path/plugin\n  interactiveMode: Never".
    /// </summary>
    public string? ExtraUserYaml { get; init; }

    /// <summary>The kubeconfig's file name in the directory; the token file is this name plus ".token".</summary>
    public string FileName { get; init; } = "kubeconfig";
}
