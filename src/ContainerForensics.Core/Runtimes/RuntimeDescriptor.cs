namespace ContainerForensics.Core.Runtimes;

/// <summary>A runtime that answered: what it is, where, which version, recorded in the acquisition record.</summary>
public sealed record RuntimeDescriptor(string Name, string Endpoint, string? Version, string? ApiVersion)
{
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();
}
