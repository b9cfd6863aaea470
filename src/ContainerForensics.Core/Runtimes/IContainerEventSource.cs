namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// A runtime whose containers can be followed as things happen to them: Docker and Podman's
/// <c>/events</c>, containerd's <c>Events.Subscribe</c>, a Kubernetes pod watch. Watch mode
/// reads every runtime through this one shape, as kubernetes-client exposes a watch, so its
/// scheduler holds nothing runtime-specific. Optional: a runtime without it is not watched.
/// </summary>
public interface IContainerEventSource
{
    /// <summary>
    /// The runtime's container events from <paramref name="since"/> (null: from now) until
    /// cancelled or the connection ends. A caller that reconnects passes the time of the last
    /// event it saw, so a daemon restart loses none, where the runtime can replay: containerd
    /// cannot (Subscribe has no history), and says so on its implementation.
    /// </summary>
    IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since, CancellationToken cancellationToken);
}
