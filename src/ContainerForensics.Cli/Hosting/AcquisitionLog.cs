using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// The two logs of a run: a human one on stderr (never stdout, which may carry the archive)
/// and a JSON-lines acquisition log that is written to a private temporary file and goes
/// into the archive before the manifest.
/// </summary>
internal sealed class AcquisitionLog : IDisposable
{
    private readonly string _path;
    private readonly StreamWriter _file;
    private readonly Logger _logger;

    public AcquisitionLog(LogEventLevel consoleLevel, bool quiet)
    {
        _path = Path.Combine(Path.GetTempPath(), $"cfir-log-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
        var stream = new FileStream(_path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        _file = new StreamWriter(stream) { AutoFlush = true };
        var config = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .Enrich.With(new UtcTimeEnricher())
            .WriteTo.Sink(new JsonLinesSink(_file), LogEventLevel.Debug);
        if (!quiet)
        {
            config = config.WriteTo.Console(
                restrictedToMinimumLevel: consoleLevel,
                outputTemplate: "cfir: {Level:w4}: {Message:lj}{NewLine}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: CultureInfo.InvariantCulture);
        }
        _logger = config.CreateLogger();
    }

    public ILogger Logger => _logger;

    public string FilePath => _path;

    public void Dispose()
    {
        _logger.Dispose();
        _file.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Adds the UTC time with nanosecond digits, as every time in the archive is written.</summary>
    private sealed class UtcTimeEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("UtcTime",
                Core.Evidence.UnixTime.FromDateTimeOffset(logEvent.Timestamp).ToIso8601()));
    }

    private sealed class JsonLinesSink(TextWriter output) : ILogEventSink
    {
        private readonly JsonFormatter _formatter = new(renderMessage: true, formatProvider: CultureInfo.InvariantCulture);

        public void Emit(LogEvent logEvent)
        {
            lock (output)
            {
                _formatter.Format(logEvent, output); // JsonFormatter ends each event with a newline
            }
        }
    }
}
