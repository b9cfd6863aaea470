using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Containerd.Cri.Logs;

/// <summary>
/// Reads a captured file's content (<see cref="IEvidenceContent"/>, by offset) from 0 to its
/// length as a forward-only stream, for the parser: the parsed form is read from the very
/// descriptor, and within the very length, that the archive writer hashed.
/// </summary>
internal sealed class ContentReadStream(IEvidenceContent content, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        long left = length - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }
        int n = await content.ReadAsync(_position, buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
