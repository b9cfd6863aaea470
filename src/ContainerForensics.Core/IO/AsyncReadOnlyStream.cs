namespace ContainerForensics.Core.IO;

/// <summary>
/// A read-only stream whose reads are asynchronous at heart (a socket, a gRPC stream, a
/// producer): one <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> to implement; the
/// array and synchronous forms go through it.
/// </summary>
public abstract class AsyncReadOnlyStream : ReadOnlyStream
{
    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
}
