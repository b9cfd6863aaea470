namespace ContainerForensics.Evidence;

/// <summary>
/// The shape every forward-only reading stream here shares: one <see cref="Read(Span{byte})"/>
/// to implement, no seeking, no writing, Position = bytes handed out so far.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    /// <summary>Bytes read through this stream so far.</summary>
    protected abstract long Consumed { get; }

    public abstract override int Read(Span<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Consumed; set => throw new NotSupportedException(); }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
