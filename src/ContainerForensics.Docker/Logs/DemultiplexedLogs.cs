using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Logs;

/// <summary>
/// One logs call of a container without a TTY, read once into two entries. The archive writer
/// takes one entry at a time, so the body is split as it arrives (<see cref="LogStreamSplitter"/>,
/// on the thread pool from <see cref="Start"/> on): stdout into a pipe that <see cref="Stdout"/>
/// hands to the writer as content of unknown length (the writer spools it, as any stream),
/// stderr into a spool of the sink (<see cref="IEvidenceSink.CreateSpool"/>), added after stdout
/// with <see cref="Stderr"/>. Memory stays bounded: the pipe holds at most
/// <see cref="PipeLimit"/> before the split waits for the writer, and the spool is a file
/// without a name (or the run's in-memory spool budget with <c>-o -</c>).
/// <para>
/// The split starts before the writer takes stdout, so the daemon streams while the collector
/// writes what comes before (the log files on disk), up to <see cref="PipeLimit"/> ahead.
/// A body that breaks keeps what arrived in both entries, and both say why
/// (<see cref="BrokenReason"/>): stdout through its content's closing check, stderr by its status.
/// </para>
/// </summary>
internal sealed class DemultiplexedLogs : IAsyncDisposable
{
    /// <summary>What the pipe holds before the split waits for the writer to drain it.</summary>
    public const long PipeLimit = 16 << 20;

    private readonly Stream _body;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: PipeLimit, resumeWriterThreshold: PipeLimit / 2, useSynchronizationContext: false));
    private readonly CancellationTokenSource _stop;
    private readonly Task<LogSplit> _split;
    private bool _disposed;

    private DemultiplexedLogs(Stream body, IEvidenceSpool stderr, CancellationToken cancellationToken)
    {
        _body = body;
        StderrSpool = stderr;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = _stop.Token;
        _split = Task.Run(async () =>
        {
            try
            {
                return await LogStreamSplitter.RunAsync(body, _pipe.Writer, stderr.Stream, token).ConfigureAwait(false);
            }
            finally
            {
                await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);
        Stdout = new PipeContent(this);
    }

    /// <summary>Starts splitting <paramref name="body"/> (owned from here on) into the pipe and <paramref name="stderr"/> (the caller's).</summary>
    public static DemultiplexedLogs Start(Stream body, IEvidenceSpool stderr, CancellationToken cancellationToken) => new(body, stderr, cancellationToken);

    /// <summary>Stdout as the writer pulls it: in order, to the end of the body; its closing check waits for the split and says how it ended.</summary>
    public IEvidenceContent Stdout { get; }

    public IEvidenceSpool StderrSpool { get; }

    /// <summary>How the split ended; complete once <see cref="Stdout"/> was read to its end.</summary>
    public Task<LogSplit> Completion => _split;

    /// <summary>
    /// After <see cref="Completion"/>: stderr's content (the spool, of known length), and its
    /// status and reason: partial when the body broke, or when the spool refused more.
    /// </summary>
    public (IEvidenceContent Content, EntryStatus Status, string? Reason) Stderr(LogSplit split)
    {
        var reasons = new List<string>();
        if (BrokenReason(split) is { } broken)
        {
            reasons.Add(broken);
        }
        if (split.StderrLost is { } lost)
        {
            reasons.Add($"stderr kept only to byte {split.StderrBytes.ToString(CultureInfo.InvariantCulture)}: the spool refused more ({lost}); " +
                $"{split.StderrBytesLost.ToString(CultureInfo.InvariantCulture)} further bytes of stderr were read and dropped");
        }
        return (StderrSpool.AsContent(), reasons.Count == 0 ? EntryStatus.Collected : EntryStatus.Partial, reasons.Count == 0 ? null : string.Join("; ", reasons));
    }

    /// <summary>Why both entries are partial, the same words in both; null when the body ended cleanly.</summary>
    public static string? BrokenReason(LogSplit split) => split.Failure is { } failure
        ? $"the logs call broke after {split.MultiplexedBytes.ToString(CultureInfo.InvariantCulture)} bytes of its multiplexed body " +
          $"({split.Frames.ToString(CultureInfo.InvariantCulture)} frames): {failure.Message}; what arrived before is kept, in stdout.log and stderr.log"
        : null;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        // An entry abandoned before the end (the archive broke, the run was interrupted): stop the split.
        await _pipe.Reader.CompleteAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _split.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _body.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>The pipe's reading end as content: a stream of unknown length, read in order.</summary>
    private sealed class PipeContent(DemultiplexedLogs logs) : IEvidenceContent
    {
        private long _position;

        public long? Length => null;

        public IReadOnlyList<DataSegment>? Segments => null;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (offset != _position)
            {
                throw new InvalidOperationException($"A stream is read in order: asked for offset {offset}, at {_position}.");
            }
            var reader = logs._pipe.Reader;
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var available = result.Buffer;
            int n = (int)Math.Min(buffer.Length, available.Length);
            available.Slice(0, n).CopyTo(buffer.Span);
            reader.AdvanceTo(available.GetPosition(n));
            _position += n;
            return n; // 0 only when the pipe is empty and completed: the split ended
        }

        public async ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken)
        {
            var split = await logs._split.ConfigureAwait(false);
            return BrokenReason(split) is { } reason ? new ContentReadNote(EntryStatus.Partial, reason) : null;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
