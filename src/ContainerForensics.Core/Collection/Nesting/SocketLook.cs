namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>One socket looked for inside a container: found or not, what answered on it, and whether it became a nested runtime, with why not.</summary>
public sealed record SocketLook
{
    /// <summary>The provider that looks for it (docker, podman, containerd).</summary>
    public required string LookedForBy { get; init; }

    /// <summary>The path inside the container.</summary>
    public required string Path { get; init; }

    /// <summary>Where that is from this host: <c>/proc/&lt;host pid&gt;/root/...</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>A socket was found there (resolved inside the container).</summary>
    public bool Found { get; init; }

    /// <summary>A daemon answered on it.</summary>
    public bool Answered { get; init; }

    /// <summary>What answered: the runtime's name for itself (a Docker socket may be Podman's), its version, where it runs.</summary>
    public string? AnsweredAs { get; init; }

    public string? Version { get; init; }

    public string? Locality { get; init; }

    /// <summary>It is collected as a runtime nested in this container.</summary>
    public bool Nested { get; init; }

    /// <summary>Why it is not (absent, no answer, the host's own daemon, a daemon outside the container), or how it was found (a symlink inside the container).</summary>
    public string? Reason { get; init; }
}
