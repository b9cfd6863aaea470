namespace ContainerForensics.Core.Runtimes;

/// <summary>A container named by its runtime and id, e.g. ("docker", "a6f2…").</summary>
public sealed record ContainerRef(string Runtime, string Id);
