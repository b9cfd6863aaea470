namespace ContainerForensics.Core.IO;

/// <summary>
/// The shape every forward-only reading stream of cfir shares: no seeking, no writing, no length
/// unless the stream knows it, and Position = the bytes handed out so far when it counts them
/// (<see cref="Consumed"/>). Subclasses implement reading through <see cref="SyncReadOnlyStream"/>
/// or <see cref="AsyncReadOnlyStream"/>.
/// </summary>
public abstract class ReadOnlyStream : Stream
{
    /// <summary>Bytes read through this stream so far; not supported unless a stream counts them.</summary>
    protected virtual long Consumed => throw new NotSupportedException();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Consumed; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
