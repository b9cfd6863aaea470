using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace ContainerForensics.TestSupport;

/// <summary>The log a run writes (stderr and the acquisition log in the CLI), kept rendered: the warnings a responder would read.</summary>
public sealed class RecordingLogSink : ILogEventSink
{
    private readonly Lock _lock = new();
    private readonly List<string> _warnings = [];

    /// <summary>A logger that writes here.</summary>
    public ILogger Logger => new LoggerConfiguration().WriteTo.Sink(this).CreateLogger();

    /// <summary>Every warning, rendered, in order.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_lock)
            {
                return [.. _warnings];
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (logEvent.Level == LogEventLevel.Warning)
        {
            lock (_lock)
            {
                _warnings.Add(logEvent.RenderMessage(CultureInfo.InvariantCulture));
            }
        }
    }
}
