using ContainerForensics.Core.Evidence;

namespace ContainerForensics.TestSupport;

/// <summary>
/// The test doubles' <see cref="IEvidenceSpool"/>: the bytes in memory, read back by offset as
/// the real spool's content is; with a capacity, a write past it fails as a full in-memory
/// spool does (an IOException).
/// </summary>
public sealed class MemoryEvidenceSpool : IEvidenceSpool
{
    private readonly MemoryStream _bytes = new();
    private readonly CappedStream _stream;

    public MemoryEvidenceSpool(string name, long? capacity = null)
    {
        Name = name;
        Capacity = capacity;
        _stream = new CappedStream(this);
    }

    public string Name { get; }

    public long? Capacity { get; }

    public Stream Stream => _stream;

    public long Length => _bytes.Length;

    public bool Disposed { get; private set; }

    public IEvidenceContent AsContent() => EvidenceContent.FromBytes(_bytes.ToArray());

    public void Dispose() => Disposed = true;

    private sealed class CappedStream(MemoryEvidenceSpool spool) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => spool._bytes.Length;

        public override long Position { get => Length; set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(spool.Disposed, spool);
            if (spool.Capacity is { } cap && spool._bytes.Length + buffer.Length > cap)
            {
                throw new IOException($"the in-memory spool is full ({cap} bytes; {spool.Name} asked for more)");
            }
            spool._bytes.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
