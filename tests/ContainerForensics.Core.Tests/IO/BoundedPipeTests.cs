using System.Security.Cryptography;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Core.Tests.IO;

public sealed class BoundedPipeTests
{
    [Fact]
    public void Bytes_cross_between_threads_whole_and_in_order_in_any_write_and_read_sizes()
    {
        var data = new byte[7 * BoundedPipe.ChunkSize + 12345];
        new Random(3).NextBytes(data);
        using var pipe = new BoundedPipe();
        var writer = new Thread(() =>
        {
            var random = new Random(4);
            for (int at = 0; at < data.Length;)
            {
                int n = Math.Min(data.Length - at, random.Next(1, 3 * BoundedPipe.ChunkSize / 2));
                pipe.Writer.Write(data, at, n);
                at += n;
            }
            pipe.CompleteWriting();
        });
        writer.Start();
        var read = new MemoryStream();
        var buffer = new byte[100_003];
        var sizes = new Random(5);
        for (int n; (n = pipe.Reader.Read(buffer, 0, sizes.Next(1, buffer.Length))) > 0;)
        {
            read.Write(buffer, 0, n);
        }
        writer.Join();
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(read.ToArray()));
        Assert.Equal(0, pipe.Reader.Read(buffer, 0, buffer.Length)); // still the end
    }

    [Fact]
    public void A_writer_ahead_of_its_reader_waits_with_at_most_the_bound_queued()
    {
        using var pipe = new BoundedPipe();
        long written = 0;
        var chunk = new byte[BoundedPipe.ChunkSize];
        var writer = new Thread(() =>
        {
            for (int i = 0; i < 4 * BoundedPipe.MaxChunks; i++)
            {
                pipe.Writer.Write(chunk);
                Interlocked.Add(ref written, chunk.Length);
            }
            pipe.CompleteWriting();
        });
        writer.Start();
        // Nothing reads: the writer must stop once the queue is full (one more chunk may be in its hands).
        Assert.False(writer.Join(TimeSpan.FromSeconds(1)));
        Assert.InRange(Interlocked.Read(ref written), (long)BoundedPipe.MaxChunks * chunk.Length, (long)(BoundedPipe.MaxChunks + 1) * chunk.Length);
        pipe.Drain();
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(4L * BoundedPipe.MaxChunks * chunk.Length, Interlocked.Read(ref written));
    }

    [Fact]
    public void The_writing_side_completed_early_or_twice_gives_the_reader_what_was_written_then_the_end()
    {
        using var pipe = new BoundedPipe();
        pipe.Writer.Write("partial"u8);
        pipe.CompleteWriting();
        pipe.CompleteWriting();
        var buffer = new byte[64];
        int n = pipe.Reader.Read(buffer, 0, buffer.Length);
        Assert.Equal("partial", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(0, pipe.Reader.Read(buffer, 0, buffer.Length));
    }
}
