using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// Passes content through to the archive writer and keeps a copy of what it read, so the decoded
/// documents (processes.json, mounts.json) are made from exactly the bytes that were archived and
/// hashed — a /proc file read twice could say two different things. The copy is kept only while
/// the reads come in order from offset 0 (as the writer's spool reads a file of unknown length)
/// and up to <see cref="MaxCopy"/> bytes; otherwise <see cref="Captured"/> stays null.
/// </summary>
internal sealed class TeeContent(IEvidenceContent inner) : IEvidenceContent
{
    /// <summary>What a decoder is given at most; a status, stat or mountinfo file is far smaller.</summary>
    public const int MaxCopy = 16 << 20;

    private readonly MemoryStream _copy = new();
    private bool _broken;

    public long? Length => inner.Length;

    public IReadOnlyList<DataSegment>? Segments => inner.Segments;

    /// <summary>
    /// The bytes read so far, when they were read in order from 0 and fit; null otherwise. After
    /// the sink took the item these are the archived bytes (for content of unknown length the
    /// writer's spool stops at a read error, it does not zero-fill).
    /// </summary>
    public byte[]? Captured => _broken ? null : _copy.ToArray();

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int n;
        try
        {
            n = await inner.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Content of known length gets the range zero-filled by the writer: the copy would
            // not be the archived bytes. A spooled one just ends here, as the copy does.
            _broken |= inner.Length is not null;
            throw;
        }
        if (!_broken)
        {
            if (offset != _copy.Length || _copy.Length + n > MaxCopy)
            {
                _broken = true;
            }
            else
            {
                _copy.Write(buffer.Span[..n]);
            }
        }
        return n;
    }

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await _copy.DisposeAsync().ConfigureAwait(false);
    }
}
