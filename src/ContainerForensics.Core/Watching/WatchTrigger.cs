using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// One trigger, from the moment its event was read and the container selected: its number in the
/// watch, the event, the container as known then, and the archive it gets (named before it is
/// collected, so that later archives of the same container can name it).
/// </summary>
public sealed record WatchTrigger
{
    public required long Seq { get; init; }

    public required TriggerKind Kind { get; init; }

    public required IContainerRuntime Runtime { get; init; }

    public required ContainerEvent Event { get; init; }

    public required UnixTime ReceivedAt { get; init; }

    /// <summary>The container as the watch knew it when the event came (selection was judged on it).</summary>
    public required ContainerInfo Container { get; init; }

    /// <summary>The archive's file name in the output directory.</summary>
    public required string ArchiveName { get; init; }

    /// <summary>Earlier triggers of the same container in this watch, oldest first.</summary>
    public IReadOnlyList<AcquisitionTrigger.EarlierArchive> Earlier { get; init; } = [];

    public string KindName => TriggerKinds.Name(Kind);
}
