namespace ContainerForensics.Tar;

/// <summary>
/// The tar stream as the reader consumes it: buffered reads from a stream that may not seek
/// (stdin, a gzip stream), the exact offset of the next unread byte, and the rule that the input
/// ending anywhere but where the reader allows it is a cut-off archive, never a clean end.
/// </summary>
internal sealed class TarInput
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private long _position;

    public TarInput(Stream stream) => _stream = stream;

    /// <summary>Offset in the tar stream of the next byte the reader has not consumed.</summary>
    public long Position => _position;

    /// <summary>
    /// Reads one 512-byte block. Returns false if the input ended exactly before it (the caller
    /// decides whether that is allowed); throws if it ended inside it.
    /// </summary>
    public bool TryReadBlock(Span<byte> block, string what)
    {
        int n = ReadAtMost(block);
        if (n == 0)
        {
            return false;
        }
        if (n < block.Length)
        {
            FillExactly(block[n..], what, _position - n);
        }
        return true;
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes or throws for a cut-off archive.</summary>
    public void ReadExactly(Span<byte> destination, string what)
    {
        long start = _position;
        int n = ReadAtMost(destination);
        if (n < destination.Length)
        {
            FillExactly(destination[n..], what, start);
        }
    }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes, at least one unless the input has ended.</summary>
    public int ReadAtMost(Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }
        int buffered = _end - _start;
        if (buffered > 0)
        {
            int n = Math.Min(buffered, destination.Length);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            _position += n;
            return n;
        }
        if (destination.Length >= BufferSize)
        {
            // A large read goes straight into the caller's buffer: no copy on the content hot path.
            int direct = _stream.Read(destination);
            _position += direct;
            return direct;
        }
        if (!Fill())
        {
            return 0;
        }
        return ReadAtMost(destination);
    }

    /// <summary>Consumes <paramref name="count"/> bytes without handing them out; throws if the input ends first.</summary>
    public void Skip(long count, string what)
    {
        long start = _position;
        int buffered = (int)Math.Min(_end - _start, count);
        _start += buffered;
        _position += buffered;
        count -= buffered;
        if (count == 0)
        {
            return;
        }
        if (_stream.CanSeek)
        {
            // Listing a multi-GB archive on disk should not read the content; seeking past the end
            // would not fail, so check the length first to still catch a cut-off archive.
            long available = _stream.Length - _stream.Position;
            if (available < count)
            {
                _position += Math.Max(0, available);
                throw new TarFormatException($"archive cut off inside {what}: {count - Math.Max(0, available)} bytes missing", start);
            }
            _stream.Seek(count, SeekOrigin.Current);
            _position += count;
            return;
        }
        while (count > 0)
        {
            if (!Fill())
            {
                throw new TarFormatException($"archive cut off inside {what}: {count} bytes missing", start);
            }
            int n = (int)Math.Min(_end - _start, count);
            _start += n;
            _position += n;
            count -= n;
        }
    }

    private void FillExactly(Span<byte> rest, string what, long start)
    {
        while (!rest.IsEmpty)
        {
            int n = ReadAtMost(rest);
            if (n == 0)
            {
                throw new TarFormatException($"archive cut off inside {what}", start);
            }
            rest = rest[n..];
        }
    }

    private bool Fill()
    {
        _start = 0;
        _end = _stream.Read(_buffer, 0, BufferSize);
        return _end > 0;
    }
}
