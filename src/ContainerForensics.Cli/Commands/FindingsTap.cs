using ContainerForensics.Core.IO;
using ContainerForensics.Report.Findings;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// collect's findings read from the tar stream as the writer makes it
/// (<see cref="Evidence.EvidenceArchiveOptions.StreamTap"/>), on a thread of its own, through a
/// bounded pipe: a few MiB in memory whatever the archive's size; the writer waits for the
/// reader when the pipe is full. A reader that fails reads on to the end without parsing, so
/// the writer is never held up by it; its exception is what <see cref="Findings"/> throws.
/// </summary>
internal sealed class FindingsTap : IDisposable
{
    private readonly BoundedPipe _pipe = new();
    private readonly Thread _thread;
    private List<Finding>? _findings;
    private Exception? _failure;

    public FindingsTap()
    {
        _thread = new Thread(Read) { IsBackground = true, Name = "cfir-findings" };
        _thread.Start();
    }

    /// <summary>What the archive writer copies its uncompressed stream into.</summary>
    public Stream Input => _pipe.Writer;

    /// <summary>The end of the stream: call once the seal is written, or the run failed (idempotent).</summary>
    public void Complete() => _pipe.CompleteWriting();

    /// <summary>Ends the stream, waits for the reader and returns its findings, or throws what stopped it.</summary>
    public List<Finding> Findings()
    {
        Complete();
        _thread.Join();
        return _findings ?? throw _failure!;
    }

    private void Read()
    {
        try
        {
            _findings = FindingsSummary.NewReader().Read(_pipe.Reader, archivePath: null).Findings;
        }
        catch (Exception ex)
        {
            _failure = ex;
        }
        finally
        {
            _pipe.Drain();
        }
    }

    public void Dispose()
    {
        Complete();
        _thread.Join();
        _pipe.Dispose();
    }
}
