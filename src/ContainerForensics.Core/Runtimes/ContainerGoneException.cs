namespace ContainerForensics.Core.Runtimes;

/// <summary>The container vanished while it was being collected: normal on a live host, recorded as missing.</summary>
public sealed class ContainerGoneException(string containerId, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string ContainerId { get; } = containerId;
}
