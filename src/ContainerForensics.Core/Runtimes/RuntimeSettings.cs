namespace ContainerForensics.Core.Runtimes;

/// <summary>Where to look for runtimes: explicit endpoints from the command line or the environment.</summary>
public sealed record RuntimeSettings
{
    /// <summary><c>--docker-host</c>, else <c>DOCKER_HOST</c>.</summary>
    public string? DockerHost { get; init; }

    /// <summary><c>--containerd-address</c>, else <c>CONTAINERD_ADDRESS</c>.</summary>
    public string? ContainerdAddress { get; init; }

    /// <summary><c>--containerd-namespace</c>; null means every namespace.</summary>
    public string? ContainerdNamespace { get; init; }

    /// <summary>The environment the candidates read (DOCKER_HOST, XDG_RUNTIME_DIR, ...); a seam for tests.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Time budget for one call to a daemon; a daemon that hangs costs this much, once per call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public string? GetEnvironment(string name) => Environment.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
}
