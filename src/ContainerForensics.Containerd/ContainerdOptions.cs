using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd;

/// <summary>The containerd provider's command-line options.</summary>
public static class ContainerdOptions
{
    public static readonly RuntimeOption Address = new("--containerd-address",
        "containerd socket. Default: $CONTAINERD_ADDRESS, then /run/containerd/containerd.sock.", "PATH");

    /// <summary>Dead-box: containerd's data root inside the disk image given with --root (default: the well-known ones).</summary>
    public static readonly RuntimeOption Root = new("--containerd-root",
        "Dead-box (with --root): containerd's data root, a path inside the image. Default: /var/lib/containerd, and the k3s, RKE2 and dockerd-managed roots.", "PATH");

    /// <summary>Only this namespace is listed and collected; not given: every namespace.</summary>
    public static readonly RuntimeOption Namespace = new("--containerd-namespace",
        "Only this containerd namespace (default: every namespace).", "NAME");
}
