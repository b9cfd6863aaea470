using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>Builds archives in memory with our writer and reads them back with our reader.</summary>
internal static class TarTestArchive
{
    /// <summary>Writes entries whose content is given whole (for sparse entries: the segments' bytes, concatenated).</summary>
    public static byte[] Write(params (TarHeader Header, byte[] Content)[] entries)
    {
        var output = new MemoryStream();
        using (var writer = new PaxTarWriter(output, leaveOpen: true))
        {
            foreach (var (header, content) in entries)
            {
                writer.BeginEntry(header);
                writer.WriteData(content);
                writer.EndEntry();
            }
            writer.Finish();
            Assert.Equal(output.Length, writer.Position);
        }
        return output.ToArray();
    }

    public static List<(TarReadEntry Entry, byte[] Content)> ReadAll(Stream input)
    {
        var result = new List<(TarReadEntry, byte[])>();
        using var reader = new PaxTarReader(input, leaveOpen: true);
        var buffer = new byte[8192];
        while (reader.Next() is { } entry)
        {
            var content = new MemoryStream();
            int n;
            while ((n = reader.ReadLogical(buffer)) > 0)
            {
                content.Write(buffer, 0, n);
            }
            result.Add((entry, content.ToArray()));
        }
        return result;
    }

    public static List<(TarReadEntry Entry, byte[] Content)> ReadAll(byte[] archive) => ReadAll(new NonSeekableStream(archive));

    /// <summary>The logical content of a sparse file: zeros with the segments' bytes in place.</summary>
    public static byte[] Expand(long size, IReadOnlyList<DataSegment> segments, byte[] data)
    {
        var logical = new byte[size];
        long at = 0;
        foreach (var segment in segments)
        {
            Array.Copy(data, at, logical, segment.Offset, segment.Length);
            at += segment.Length;
        }
        return logical;
    }

    public static UnixTime Time(long seconds, uint nanoseconds) => new(seconds, nanoseconds);
}

/// <summary>A read-only stream that cannot seek, like stdin or a gzip stream, and hands out short reads.</summary>
internal sealed class NonSeekableStream(byte[] data, int maxRead = 7001) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
