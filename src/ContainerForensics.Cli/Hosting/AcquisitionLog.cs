using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// The two logs of a run: a human one on stderr (never stdout, which may carry the archive)
/// and a JSON-lines acquisition log, held in memory (nothing of cfir's is written on the
/// host) up to <see cref="MaxBytes"/>, that goes into the archive before the manifest.
/// </summary>
internal sealed class AcquisitionLog : IDisposable
{
    /// <summary>A run logs a few lines a container and phase; past this, events are counted, not kept.</summary>
    internal const int MaxBytes = 16 << 20;

    private readonly LogBuffer _buffer;
    private readonly Logger _logger;

    /// <param name="forwardTo">Where the human log goes instead of stderr (watch mode: one log per trigger, each also the watch's).</param>
    public AcquisitionLog(LogEventLevel consoleLevel, bool quiet, int maxBytes = MaxBytes, ILogger? forwardTo = null)
    {
        _buffer = new LogBuffer(maxBytes);
        Cap = maxBytes;
        var config = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .Enrich.With(new UtcTimeEnricher())
            .WriteTo.Sink(new JsonLinesSink(_buffer), LogEventLevel.Debug);
        if (forwardTo is not null)
        {
            config = config.WriteTo.Logger(forwardTo);
        }
        else if (!quiet)
        {
            config = ToConsole(config, consoleLevel);
        }
        _logger = config.CreateLogger();
    }

    /// <summary>A log on stderr only, nothing kept: watch mode's own, which each trigger's log also writes to.</summary>
    public static Logger StderrOnly(LogEventLevel consoleLevel, bool quiet)
    {
        var config = new LoggerConfiguration().MinimumLevel.Is(consoleLevel);
        return (quiet ? config : ToConsole(config, consoleLevel)).CreateLogger();
    }

    private static LoggerConfiguration ToConsole(LoggerConfiguration config, LogEventLevel level) =>
        config.WriteTo.Console(
            restrictedToMinimumLevel: level,
            outputTemplate: "cfir: {Level:w4}: {Message:lj}{NewLine}",
            standardErrorFromLevel: LogEventLevel.Verbose,
            formatProvider: CultureInfo.InvariantCulture);

    public ILogger Logger => _logger;

    /// <summary>The most bytes of log kept.</summary>
    public int Cap { get; }

    /// <summary>The log so far, as the archive entry's content; events dropped past the cap are counted here.</summary>
    public LogBuffer.Snapshot Capture() => _buffer.Take();

    public void Dispose() => _logger.Dispose();

    /// <summary>Adds the UTC time with nanosecond digits, as every time in the archive is written.</summary>
    private sealed class UtcTimeEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("UtcTime",
                Core.Evidence.UnixTime.FromDateTimeOffset(logEvent.Timestamp).ToIso8601()));
    }

    private sealed class JsonLinesSink(LogBuffer output) : ILogEventSink
    {
        private readonly JsonFormatter _formatter = new(renderMessage: true, formatProvider: CultureInfo.InvariantCulture);

        public void Emit(LogEvent logEvent)
        {
            using var line = new StringWriter(CultureInfo.InvariantCulture);
            _formatter.Format(logEvent, line); // JsonFormatter ends each event with a newline
            output.Append(line.ToString());
        }
    }
}
