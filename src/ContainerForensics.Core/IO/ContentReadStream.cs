using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.IO;

/// <summary>
/// Reads a captured file's content (<see cref="IEvidenceContent"/>, by offset) from 0 to its
/// length as a forward-only stream, for the parser: the parsed form is read from the very
/// descriptor, and within the very length, that the archive writer hashed.
/// </summary>
public sealed class ContentReadStream(IEvidenceContent content, long length) : AsyncReadOnlyStream
{
    private long _position;

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
}
