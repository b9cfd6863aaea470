namespace ContainerForensics.Evidence.Verify;

/// <summary>Counts the bytes read through it (the uncompressed length of a gzip stream).</summary>
internal sealed class CountingReadStream(Stream inner) : Stream
{
    public long Total { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        Total += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Total; set => throw new NotSupportedException(); }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
