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
    /// cannot (Subscribe has no history), and says so on its implementation. Events at
    /// <paramref name="since"/> itself may come again: the caller tells them apart by their bytes.
    /// </summary>
    IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <see cref="WatchAsync"/> honours <c>since</c>: a reconnect then loses nothing the
    /// runtime still remembers. False for containerd, whose events exist only while subscribed.
    /// </summary>
    bool ReplaysSince { get; }

    /// <summary>
    /// The container an event is about, as a listing would describe it now (state, pid, labels),
    /// with one call or two to the runtime, not a listing of everything; null when the runtime
    /// no longer has it. Watch mode asks this to select a container and again, fresh, when it
    /// collects it.
    /// </summary>
    Task<ContainerInfo?> FindContainerAsync(ContainerEvent containerEvent, CancellationToken cancellationToken);

    /// <summary>
    /// The container as the event itself describes it, when that is enough to select it without
    /// a call (Docker's and Podman's events carry its name, image and labels); null when the event
    /// says too little (containerd's name only the id), and <see cref="FindContainerAsync"/> is asked.
    /// </summary>
    ContainerInfo? Describe(ContainerEvent containerEvent);
}
