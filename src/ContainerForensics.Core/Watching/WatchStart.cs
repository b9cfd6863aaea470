using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.Watching;

/// <summary>The first line of the index: the watch, its tool and host, what it watches and what it selects.</summary>
public sealed record WatchStart
{
    public required string WatchId { get; init; }

    public required UnixTime At { get; init; }

    public required AcquisitionInfo Info { get; init; }

    public required HostFacts Host { get; init; }

    public required WatchSettings Settings { get; init; }

    public required ContainerSelector Selector { get; init; }

    public required IReadOnlyList<WatchedRuntime> Runtimes { get; init; }

    /// <summary>A runtime endpoint discovery tried: whether it is watched, and why not.</summary>
    public sealed record WatchedRuntime(string Name, string Endpoint, bool Watched, bool? ReplaysSince, string? Reason);
}
