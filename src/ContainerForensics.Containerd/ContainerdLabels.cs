namespace ContainerForensics.Containerd;

/// <summary>Labels other tools put on containerd containers that tell who a container is.</summary>
public static class ContainerdLabels
{
    /// <summary>Set by the CRI plugin on every Kubernetes container (not on pod sandboxes).</summary>
    public const string KubernetesContainerName = "io.kubernetes.container.name";

    public const string KubernetesPodName = "io.kubernetes.pod.name";

    public const string KubernetesPodNamespace = "io.kubernetes.pod.namespace";

    public const string KubernetesPodUid = "io.kubernetes.pod.uid";

    /// <summary>Set by containerd's CRI plugin: "sandbox" for a pod's pause container, "container" for the others.</summary>
    public const string CriKind = "io.cri-containerd.kind";

    public const string CriKindSandbox = "sandbox";

    public const string CriKindContainer = "container";

    /// <summary>Set by nerdctl to the name given with <c>--name</c>.</summary>
    public const string NerdctlName = "nerdctl/name";

    /// <summary>Set by dockerd on the containerd containers it creates.</summary>
    public const string DockerBundlePath = "com.docker/engine.bundle.path";

    /// <summary>The containerd namespace dockerd puts its containers in.</summary>
    public const string DockerNamespace = "moby";
}
