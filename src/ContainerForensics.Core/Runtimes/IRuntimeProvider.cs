namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Finds one kind of runtime (docker, podman, containerd): tries its endpoint candidates in a
/// documented order and connects to those that answer. One implementation per runtime project.
/// </summary>
public interface IRuntimeProvider
{
    /// <summary>The name used with <c>--runtime</c>.</summary>
    string Name { get; }

    /// <summary>The command-line options this provider reads from <see cref="RuntimeSettings"/>; collect and list offer them.</summary>
    IReadOnlyList<RuntimeOption> Options { get; }

    /// <summary>Every candidate tried, in order, with what it answered. Never throws for an absent runtime.</summary>
    Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken);
}
