namespace ContainerForensics.Core.Watching;

/// <summary>What happened to a container that makes watch mode collect it (<c>--trigger</c>).</summary>
public enum TriggerKind
{
    /// <summary>The container was created (not started yet).</summary>
    Create,

    /// <summary>Its init process was started.</summary>
    Start,

    /// <summary>A process was started in it from outside (<c>docker exec</c>, <c>ctr tasks exec</c>).</summary>
    Exec,

    /// <summary>A signal was sent to it through the runtime.</summary>
    Kill,

    /// <summary>Its init process exited.</summary>
    Die,

    /// <summary>The kernel's OOM killer killed a process of it.</summary>
    Oom,
}
