namespace ContainerForensics.Core.IO;

/// <summary>A read-only stream over something read synchronously (a file, a buffer): one <see cref="Read(Span{byte})"/> to implement.</summary>
public abstract class SyncReadOnlyStream : ReadOnlyStream
{
    public abstract override int Read(Span<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
}
