using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// A container's log as the API server streams it (pods/log), read once in order and hashed by
/// the writer as it arrives. A stream that breaks or stops keeps what arrived and says where it
/// stopped. With <c>--max-file-size</c> the server is asked for one byte more than the cap
/// (<c>limitBytes</c>), so a log cut at the cap is known to have had more: it is truncated, and
/// one that fits is collected.
/// </summary>
internal sealed class LogStreamContent(Stream stream, long? cap) : IEvidenceContent
{
    private long _position;
    private ContentReadNote? _note;

    public long? Length => null;

    public IReadOnlyList<DataSegment>? Segments => null;

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_note is not null)
        {
            return 0;
        }
        if (offset != _position)
        {
            throw new InvalidOperationException($"A stream is read in order: asked for offset {offset}, at {_position}.");
        }
        try
        {
            if (cap is { } limit && _position >= limit)
            {
                // The byte past the cap says whether the log had more.
                bool more = await stream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0;
                _note = more ? new ContentReadNote(EntryStatus.Truncated, $"cut at {limit} bytes (--max-file-size); the log had more") : null;
                return 0;
            }
            var window = cap is { } c ? buffer[..(int)Math.Min(buffer.Length, c - _position)] : buffer;
            int n = await stream.ReadAsync(window, cancellationToken).ConfigureAwait(false);
            _position += n;
            return n;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            _note = new ContentReadNote(EntryStatus.Partial, $"the log stream ended with an error after {_position} bytes: {ex.Message}");
            return 0;
        }
    }

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_note);

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
