using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd;

/// <summary>The containerd provider's command-line options.</summary>
public static class ContainerdOptions
{
    public static readonly RuntimeOption Address = new("--containerd-address",
        "containerd socket. Default: $CONTAINERD_ADDRESS, then /run/containerd/containerd.sock.", "PATH");

    /// <summary>Only this namespace is listed and collected; not given: every namespace.</summary>
    public static readonly RuntimeOption Namespace = new("--containerd-namespace",
        "Only this containerd namespace (default: every namespace).", "NAME");
}
