using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// What set an acquisition off, when something did (watch mode): the runtime's event, the kind of
/// trigger it was, the watch it belongs to and the archives the same watch made of the same
/// container before. Written into the acquisition record (<see cref="AcquisitionFields.Trigger"/>);
/// the event's own bytes are the entry <see cref="EventEntry"/>.
/// </summary>
public sealed record AcquisitionTrigger
{
    /// <summary>start, exec, die, oom, kill, create.</summary>
    public required string Kind { get; init; }

    /// <summary>The trigger's number in its watch, in the order the events were read (the index's <c>seq</c>).</summary>
    public required long Seq { get; init; }

    public required string Endpoint { get; init; }

    public required ContainerEvent Event { get; init; }

    public required UnixTime ReceivedAt { get; init; }

    /// <summary>The watch: an id of its own, when it started, and its index file's name.</summary>
    public required string WatchId { get; init; }

    public required UnixTime WatchStartedAt { get; init; }

    public string WatchIndex { get; init; } = "index.jsonl";

    /// <summary>Archives this watch made (or is making) of the same container for earlier triggers, oldest first.</summary>
    public IReadOnlyList<EarlierArchive> Earlier { get; init; } = [];

    public string Runtime => Event.Runtime;

    public string ContainerId => Event.ContainerId;

    public string EventFormat => Event.RawFormat;

    public ReadOnlyMemory<byte> EventBytes => Event.Raw;

    public ArchivePath EventEntry => EvidenceLayout.TriggerEvent(Event.RawFormat == ContainerEvent.JsonFormat);

    public string EventSha256 => Convert.ToHexStringLower(SHA256.HashData(Event.Raw.Span));

    /// <summary>An earlier trigger of the same container in the same watch and the archive it has, or will have, if it was not dropped.</summary>
    public sealed record EarlierArchive(long Seq, string Kind, string Archive);
}
