using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Spooling;

/// <summary>
/// What must wait until the end of the archive: the manifest grows with every entry, and
/// content of unknown length must be counted before its tar header can be written. Append
/// through <see cref="Stream"/>, read back by offset. Made by <see cref="SpoolFactory"/>: in
/// memory (nothing on the host's disks, for <c>-o -</c>) or in a file that has no name. A
/// collector's held-back content is one too (<see cref="EvidenceArchiveWriter.CreateSpool"/>).
/// </summary>
internal abstract class TempSpool : Core.Evidence.IEvidenceSpool
{
    /// <summary>Appending stream; read it back with <see cref="ReadAt"/> after <see cref="Flush"/>.</summary>
    public abstract Stream Stream { get; }

    /// <summary>Bytes appended so far (after a flush).</summary>
    public abstract long Length { get; }

    public abstract void Flush();

    public abstract int ReadAt(long offset, Span<byte> buffer);

    /// <summary>Forgets what was written, to reuse the spool for the next entry.</summary>
    public abstract void Reset();

    public abstract void Dispose();

    /// <summary>A separate reading view from the start; the spool stays open for appending.</summary>
    public Stream OpenRead()
    {
        Flush();
        return new SpoolReadStream(this, Length);
    }

    /// <summary>Content over the spooled bytes, for the archive writer.</summary>
    public Core.Evidence.IEvidenceContent AsContent() => new SpoolContent(this);

    private sealed class SpoolContent(TempSpool spool) : Core.Evidence.IEvidenceContent
    {
        private readonly long _length = spool.Length;

        public long? Length => _length;

        public IReadOnlyList<Core.Evidence.DataSegment>? Segments => null;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            ValueTask.FromResult(offset >= _length ? 0 : spool.ReadAt(offset, buffer.Span[..(int)Math.Min(buffer.Length, _length - offset)]));

        public ValueTask<Core.Evidence.ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<Core.Evidence.ContentReadNote?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SpoolReadStream(TempSpool spool, long length) : SyncReadOnlyStream
    {
        private long _position;

        public override int Read(Span<byte> buffer)
        {
            if (_position >= length)
            {
                return 0;
            }
            int n = spool.ReadAt(_position, buffer[..(int)Math.Min(buffer.Length, length - _position)]);
            _position += n;
            return n;
        }

        protected override long Consumed => _position;

        public override long Length => length;
    }
}
