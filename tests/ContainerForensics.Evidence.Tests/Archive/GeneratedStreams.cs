using System.IO.Compression;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>Read-only streams made on the fly, so a test can feed verify gigabytes without holding or storing them.</summary>
internal abstract class GeneratedStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary><paramref name="count"/> zero bytes.</summary>
internal sealed class ZeroStream(long count) : GeneratedStream
{
    private long _left = count;

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, _left);
        buffer[..n].Clear();
        _left -= n;
        return n;
    }
}

/// <summary>One stream after another.</summary>
internal sealed class ConcatStream(params Stream[] parts) : GeneratedStream
{
    private int _index;

    public override int Read(Span<byte> buffer)
    {
        while (_index < parts.Length)
        {
            int n = parts[_index].Read(buffer);
            if (n > 0)
            {
                return n;
            }
            _index++;
        }
        return 0;
    }
}

/// <summary>The gzip of <paramref name="source"/>, compressed as it is read, 1 MiB of input at a time, reusing its buffers.</summary>
internal sealed class GzipOnTheFly : GeneratedStream
{
    private readonly Stream _source;
    private readonly MemoryStream _out = new();
    private readonly GZipStream _gzip;
    private readonly byte[] _chunk = new byte[1 << 20];
    private int _served;
    private bool _done;

    public GzipOnTheFly(Stream source)
    {
        _source = source;
        _gzip = new GZipStream(_out, CompressionLevel.Fastest, leaveOpen: true);
    }

    public override int Read(Span<byte> buffer)
    {
        while (_served == _out.Length)
        {
            if (_done)
            {
                return 0;
            }
            _out.SetLength(0);
            _served = 0;
            int n = _source.ReadAtLeast(_chunk, _chunk.Length, throwOnEndOfStream: false);
            if (n > 0)
            {
                _gzip.Write(_chunk, 0, n);
            }
            if (n < _chunk.Length)
            {
                _gzip.Dispose(); // writes the trailer
                _done = true;
            }
        }
        int take = (int)Math.Min(buffer.Length, _out.Length - _served);
        _out.GetBuffer().AsSpan(_served, take).CopyTo(buffer);
        _served += take;
        return take;
    }
}
