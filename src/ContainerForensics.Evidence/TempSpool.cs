using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence;

/// <summary>
/// A private temporary file (mode 0600 in a 0700 directory, unlinked on close) for what must
/// wait until the end: the manifest grows with every entry, and content of unknown length
/// must be counted before its tar header can be written. Keeps memory bounded.
/// </summary>
internal sealed class TempSpool : IDisposable
{
    private readonly FileStream _file;

    public TempSpool(string directory, string name)
    {
        string path = Path.Combine(directory, name + "-" + Guid.NewGuid().ToString("N"));
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 1 << 16,
        });
    }

    /// <summary>Appending stream; read it back with <see cref="ReadAt"/> after <see cref="Flush"/>.</summary>
    public Stream Stream => _file;

    public long Length
    {
        get
        {
            _file.Flush();
            return _file.Length;
        }
    }

    public void Flush() => _file.Flush();

    public int ReadAt(long offset, Span<byte> buffer) => RandomAccess.Read(_file.SafeFileHandle, buffer, offset);

    /// <summary>Forgets what was written, to reuse the file for the next entry.</summary>
    public void Reset()
    {
        _file.Flush();
        _file.SetLength(0);
        _file.Position = 0;
    }

    /// <summary>A separate reading view from the start; the spool stays open for appending.</summary>
    public Stream OpenRead()
    {
        _file.Flush();
        return new SpoolReadStream(this, _file.Length);
    }

    /// <summary>Content over the spooled bytes, for the archive writer.</summary>
    public Core.Evidence.IEvidenceContent AsContent() => new SpoolContent(this);

    public void Dispose() => _file.Dispose();

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
