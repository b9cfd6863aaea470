using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>One container at discovery: whether its root was looked into, through which host process, and the sockets looked for there.</summary>
public sealed record ContainerDescent
{
    public required ContainerInfo Container { get; init; }

    /// <summary>Its init pid as its runtime reported it, when asked.</summary>
    public int? RuntimePid { get; init; }

    /// <summary>That process on this host, whose <c>/proc/&lt;pid&gt;/root</c> was looked into.</summary>
    public int? HostPid { get; init; }

    /// <summary>How the host pid was established (the translation through NSpid for a nested runtime).</summary>
    public string? PidTranslation { get; init; }

    /// <summary>Why its root was not looked into (not running, pid not translated, the same container as another listing); null when it was.</summary>
    public string? NotDescended { get; init; }

    /// <summary>Not looked into because another runtime's listing of the same container (the same init process) was.</summary>
    public bool LookedIntoElsewhere { get; init; }

    public IReadOnlyList<SocketLook> Sockets { get; init; } = [];
}
