namespace ContainerForensics.Core.Collection;

/// <summary>
/// The phases of a collection in order of volatility (RFC 3227): every selected container goes
/// through one phase before any container starts the next, so processes and sockets of all
/// containers are captured before any log or filesystem is copied.
/// </summary>
public enum CollectionPhase
{
    /// <summary>Processes, network state, mounts: gone when the container stops.</summary>
    Volatile = 0,
    /// <summary>Inspect documents, image, changes list: the runtime's view.</summary>
    Metadata = 1,
    /// <summary>Container logs.</summary>
    Logs = 2,
    /// <summary>Writable layer or the whole filesystem, volumes.</summary>
    Filesystem = 3,
}
