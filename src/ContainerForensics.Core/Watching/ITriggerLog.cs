using ContainerForensics.Core.Evidence;
using Serilog;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// The log of one trigger's collection: what is logged through <see cref="Logger"/> goes to the
/// watch's own log too, and is kept (bounded) for the archive's <c>acquisition/log.jsonl</c>,
/// so each archive holds the log of its own collection and nothing of the others'.
/// </summary>
public interface ITriggerLog : IDisposable
{
    ILogger Logger { get; }

    /// <summary>The log so far as the archive's entry.</summary>
    ArchiveEntry Capture();
}
