namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Another runtime's listing of a container that was collected once, from the richer view: where
/// it was also seen and why it was not collected a second time.
/// </summary>
public sealed record ContainerSighting
{
    public required string Runtime { get; init; }

    public required string Endpoint { get; init; }

    public string? RuntimeNamespace { get; init; }

    public required string Id { get; init; }

    public string? State { get; init; }

    public int? Pid { get; init; }

    public required string Reason { get; init; }
}
