namespace ContainerForensics.Core.Runtimes;

/// <summary>The answer of one endpoint candidate: a connected runtime, or the reason it is not usable here.</summary>
public sealed record RuntimeProbe
{
    private RuntimeProbe(string name, string endpoint, IContainerRuntime? runtime, string? reason)
    {
        Name = name;
        Endpoint = endpoint;
        Runtime = runtime;
        Reason = reason;
    }

    public string Name { get; }

    public string Endpoint { get; }

    public IContainerRuntime? Runtime { get; }

    public string? Reason { get; }

    /// <summary>The responder named this endpoint on the command line: not answering is a failure of the run, not a note.</summary>
    public bool Requested { get; init; }

    /// <summary>For an endpoint found inside a container (a nested runtime): that container; null for this host's candidates.</summary>
    public NestingLink? Nesting { get; init; }

    public static RuntimeProbe Found(IContainerRuntime runtime) =>
        new(runtime.Descriptor.Name, runtime.Descriptor.Endpoint, runtime, null);

    public static RuntimeProbe NotFound(string name, string endpoint, string reason) => new(name, endpoint, null, reason);
}
