using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Evidence;

/// <summary>Where an entry came from, for the manifest: the runtime, the container and the path there.</summary>
public sealed record EvidenceSource
{
    public string? Runtime { get; init; }

    public string? ContainerId { get; init; }

    public string? ContainerName { get; init; }

    /// <summary>For evidence of a runtime nested in a container (or of its containers): that container and the chain above it.</summary>
    public NestingLink? NestedIn { get; init; }

    /// <summary>The original path on the source, byte-exact (paths on Linux are bytes, not text).</summary>
    public byte[]? OriginalPath { get; init; }

    /// <summary>What was read, for a person: an API endpoint, a /proc file, a host path.</summary>
    public string? Description { get; init; }
}
