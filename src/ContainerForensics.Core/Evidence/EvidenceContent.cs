namespace ContainerForensics.Core.Evidence;

/// <summary>Ready-made content: bytes already in memory, and sequential streams of unknown length.</summary>
public static class EvidenceContent
{
    public static IEvidenceContent FromBytes(ReadOnlyMemory<byte> bytes) => new BytesContent(bytes);

    /// <summary>
    /// A stream read once from start to end (a daemon's response body). Its length is unknown,
    /// so the writer spools it; a read error ends it and is reported as partial.
    /// </summary>
    public static IEvidenceContent FromStream(Stream stream, bool leaveOpen = false) => new SequentialStreamContent(stream, leaveOpen, null);

    /// <summary>
    /// A stream kept to at most <paramref name="cap"/> bytes (<c>--max-file-size</c>). One byte past
    /// the cap is read to tell whether the source had more: then the entry is truncated, else whole.
    /// (Ask a server for <paramref name="cap"/> + 1 bytes when it cuts itself, as pods/log's limitBytes.)
    /// </summary>
    public static IEvidenceContent FromStream(Stream stream, long cap, bool leaveOpen = false) => new SequentialStreamContent(stream, leaveOpen, cap);

    private sealed class BytesContent(ReadOnlyMemory<byte> bytes) : IEvidenceContent
    {
        public long? Length => bytes.Length;

        public IReadOnlyList<DataSegment>? Segments => null;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (offset >= bytes.Length)
            {
                return ValueTask.FromResult(0);
            }
            int n = (int)Math.Min(buffer.Length, bytes.Length - offset);
            bytes.Slice((int)offset, n).CopyTo(buffer);
            return ValueTask.FromResult(n);
        }

        public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ContentReadNote?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SequentialStreamContent(Stream stream, bool leaveOpen, long? cap) : IEvidenceContent
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
                    bool more = await stream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0;
                    _note = more ? new ContentReadNote(EntryStatus.Truncated, $"cut at {limit} bytes (--max-file-size); the source had more") : null;
                    return 0;
                }
                var window = cap is { } c ? buffer[..(int)Math.Min(buffer.Length, c - _position)] : buffer;
                int n = await stream.ReadAsync(window, cancellationToken).ConfigureAwait(false);
                _position += n;
                return n;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // A stream cannot step over a bad range: keep what arrived and say where it stopped.
                _note = new ContentReadNote(EntryStatus.Partial, $"stream ended with an error after {_position} bytes: {ex.Message}");
                return 0;
            }
        }

        public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_note);

        public async ValueTask DisposeAsync()
        {
            if (!leaveOpen)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
