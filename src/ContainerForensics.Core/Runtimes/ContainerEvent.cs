using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Something that happened to a container, as its runtime reported it: the action in the
/// runtime's own word (<c>create</c>, <c>start</c>, <c>exec_start: sh</c>, <c>die</c>, <c>oom</c>,
/// <c>kill</c>, …), the runtime's time for it, and the attributes it sent (name, image, exit
/// code, signal). <see cref="Raw"/> is the runtime's bytes of the event, kept as evidence, in
/// the encoding <see cref="RawFormat"/> names.
/// </summary>
public sealed record ContainerEvent(string Runtime, string ContainerId, string Action, UnixTime Time)
{
    /// <summary>The value of <see cref="RawFormat"/> for an event the runtime sent as one JSON document (Docker, Podman, a Kubernetes watch line).</summary>
    public const string JsonFormat = "json";

    public string? Name { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public ReadOnlyMemory<byte> Raw { get; init; }

    /// <summary>
    /// How <see cref="Raw"/> is encoded: <see cref="JsonFormat"/>, or <c>protobuf:</c> and the
    /// message's full name (containerd's <c>containerd.services.events.v1.Envelope</c>).
    /// </summary>
    public string RawFormat { get; init; } = JsonFormat;
}
