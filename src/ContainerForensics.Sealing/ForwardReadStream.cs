namespace ContainerForensics.Sealing;

/// <summary>
/// What every read-only, forward-only stream of this library shares: it reads (subclasses say
/// how, through the span overload), never seeks, writes or knows its length, and its position is
/// the bytes it has given so far when it counts them.
/// </summary>
public abstract class ForwardReadStream : Stream
{
    public abstract override int Read(Span<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    /// <summary>The bytes given so far; streams that do not count them throw.</summary>
    public override long Position { get => Given ?? throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The bytes given so far, when the stream counts them.</summary>
    protected virtual long? Given => null;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
