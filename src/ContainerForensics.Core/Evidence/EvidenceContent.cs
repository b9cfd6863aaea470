namespace ContainerForensics.Core.Evidence;

/// <summary>Ready-made content: bytes already in memory, and sequential streams of unknown length.</summary>
public static class EvidenceContent
{
    public static IEvidenceContent FromBytes(ReadOnlyMemory<byte> bytes) => new BytesContent(bytes);

    /// <summary>
    /// A stream read once from start to end (a daemon's response body). Its length is unknown,
    /// so the writer spools it; a read error ends it and is reported as partial.
    /// </summary>
    public static IEvidenceContent FromStream(Stream stream, bool leaveOpen = false) => new SequentialStreamContent(stream, leaveOpen);

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

    private sealed class SequentialStreamContent(Stream stream, bool leaveOpen) : IEvidenceContent
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
                int n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
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
