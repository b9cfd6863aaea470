using ContainerForensics.Cli.Commands;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Watching;
using Serilog;
using Serilog.Events;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// One trigger's log (watch mode): kept in memory up to <see cref="MaxBytes"/> for its archive's
/// acquisition/log.jsonl, and written to the watch's log on stderr as it goes. Gone with the
/// trigger: hours of watching keep no log in memory.
/// </summary>
internal sealed class TriggerLog(ILogger watchLog) : ITriggerLog
{
    /// <summary>A collection logs a few lines a phase; past this, events are counted, not kept.</summary>
    internal const int MaxBytes = 1 << 20;

    private readonly AcquisitionLog _log = new(LogEventLevel.Debug, quiet: true, MaxBytes, forwardTo: watchLog);

    public ILogger Logger => _log.Logger;

    public ArchiveEntry Capture() => CollectCommand.LogEntry(_log);

    public void Dispose() => _log.Dispose();
}
