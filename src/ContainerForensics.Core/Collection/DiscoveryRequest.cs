using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>What discovery is asked: which runtimes, their settings, and how deep to look for runtimes nested in containers.</summary>
public sealed record DiscoveryRequest
{
    /// <summary>The depth looked to by default: a kind node's containerd (1) and a Docker-in-Docker in one of its pods (2).</summary>
    public const int DefaultNestedDepth = 2;

    /// <summary>The deepest <c>--nested-depth</c> taken.</summary>
    public const int MaxNestedDepth = 5;

    /// <summary>Runtime names; empty or containing "auto" means every provider auto probes.</summary>
    public IReadOnlyCollection<string> Runtimes { get; init; } = ["auto"];

    public RuntimeSettings Settings { get; init; } = new();

    /// <summary>How many levels of nesting to look into (<c>--nested-depth</c>); 0 looks inside no container (<c>--no-nested</c>).</summary>
    public int NestedDepth { get; init; } = DefaultNestedDepth;

    /// <summary>
    /// Dead-box (<c>--root</c>): read every runtime from this image instead of asking daemons;
    /// nothing is looked for inside containers (none runs). Owned by the caller.
    /// </summary>
    public DiskImage? DiskImage { get; init; }

    /// <summary>The host's procfs; "/proc" except in tests.</summary>
    public string ProcRoot { get; init; } = "/proc";
}
