using System.IO.Pipelines;
using System.Text;
using ContainerForensics.Docker.Logs;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>Multiplexed log bodies for tests (stdcopy's framing), and the collector's splitter run over one.</summary>
internal static class MultiplexedFrames
{
    /// <summary>One frame: the stream type, three zero bytes, the payload's length (big-endian), the payload.</summary>
    public static byte[] Frame(byte type, string payload) => Frame(type, Encoding.UTF8.GetBytes(payload));

    public static byte[] Frame(byte type, byte[] payload)
    {
        var f = new byte[8 + payload.Length];
        f[0] = type;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(f, 8);
        return f;
    }

    /// <summary>
    /// <see cref="LogStreamSplitter"/> over <paramref name="body"/>, as the collector runs it:
    /// stdout into a pipe drained as it fills, stderr into a stream. What each received, and how
    /// the split ended.
    /// </summary>
    public static async Task<(byte[] Stdout, byte[] Stderr, LogSplit Split)> SplitAsync(Stream body, Stream? stderr = null, CancellationToken cancellationToken = default)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));
        var drained = DrainAsync(pipe.Reader);
        using var errors = new MemoryStream();
        LogSplit split;
        try
        {
            split = await LogStreamSplitter.RunAsync(body, pipe.Writer, stderr ?? errors, cancellationToken);
        }
        finally
        {
            await pipe.Writer.CompleteAsync();
        }
        return (await drained, errors.ToArray(), split);
    }

    /// <summary>The text of each stream, and how the split ended.</summary>
    public static async Task<(string Out, string Err, LogSplit Split)> SplitTextAsync(Stream body)
    {
        var (o, e, split) = await SplitAsync(body);
        return (Encoding.UTF8.GetString(o), Encoding.UTF8.GetString(e), split);
    }

    private static async Task<byte[]> DrainAsync(PipeReader reader)
    {
        using var all = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                all.Write(segment.Span);
            }
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return all.ToArray();
            }
        }
    }
}
