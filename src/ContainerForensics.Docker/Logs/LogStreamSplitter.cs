using System.Buffers;
using System.IO.Pipelines;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Logs;

/// <summary>
/// Splits the multiplexed body of one logs call (stdout=1&amp;stderr=1, a container without a TTY;
/// https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerAttach)
/// into its two streams as it arrives: the payload of stdout frames (and of stdin frames, which
/// moby's stdcopy counts as stdout) into a pipe, that of stderr frames into a stream.
/// <para>
/// Strict, by <see cref="MultiplexedFraming"/>'s rules (<see cref="MultiplexedFraming.CheckHeader"/>):
/// an unknown stream type, non-zero reserved bytes, a header or payload cut short, the daemon's
/// error frame (type 3) end the split with a <see cref="MultiplexedStreamException"/>, after every
/// payload byte that arrived before it, the start of a cut frame included; a broken connection
/// ends it with the transport's IOException, likewise. A clean end only on a frame boundary.
/// Failures are data here (<see cref="LogSplit.Failure"/>): both outputs keep what arrived.
/// </para>
/// <para>
/// Frames are cut out of large reads of the body, not read one by one: a json-file log of
/// 500,000 lines is 500,000 frames of a hundred bytes, and an await per header and per payload
/// cost more than the bytes. The pipe is flushed every <see cref="FlushSize"/> bytes of stdout and
/// at the end; its pause threshold bounds what waits for the archive writer.
/// </para>
/// </summary>
internal static class LogStreamSplitter
{
    private const int ReadSize = 64 * 1024;

    /// <summary>
    /// Stdout handed to the pipe's reader at a time. A body read holds what the daemon had sent
    /// (often a few frames); a flush per read woke the archive writer for each, and the two
    /// tasks took turns on the thread pool per read.
    /// </summary>
    private const int FlushSize = 256 * 1024;

    /// <param name="multiplexed">The body; read to its end, not disposed.</param>
    /// <param name="stdout">Gets stdout (and stdin) payload; flushed in pieces and at the end, not completed.</param>
    /// <param name="stderr">Gets stderr payload, written synchronously (a spool). A write that fails (a full in-memory spool) ends stderr, not the split: the rest of stderr is counted as lost.</param>
    /// <returns>What was split, and how it ended. Throws only when cancelled.</returns>
    public static async Task<LogSplit> RunAsync(Stream multiplexed, PipeWriter stdout, Stream stderr, CancellationToken cancellationToken)
    {
        var split = new LogSplit();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        int start = 0;              // next unparsed byte
        int end = 0;                // end of what was read
        long offset = 0;            // offset of buffer[start] in the body
        long remaining = 0;         // payload bytes of the current frame not yet read
        long frameOffset = 0;
        bool toStderr = false;
        long unflushed = 0;
        try
        {
            while (true)
            {
                while (true)
                {
                    if (remaining > 0)
                    {
                        int n = (int)Math.Min(remaining, end - start);
                        if (n == 0)
                        {
                            break;
                        }
                        var payload = buffer.AsSpan(start, n);
                        if (toStderr)
                        {
                            WriteStderr(split, stderr, payload);
                        }
                        else
                        {
                            stdout.Write(payload);
                            split.StdoutBytes += n;
                            unflushed += n;
                        }
                        start += n;
                        offset += n;
                        remaining -= n;
                        continue;
                    }
                    if (end - start < MultiplexedFraming.HeaderLength)
                    {
                        break;
                    }
                    frameOffset = offset;
                    var (type, length) = MultiplexedFraming.CheckHeader(buffer.AsSpan(start, MultiplexedFraming.HeaderLength), frameOffset);
                    start += MultiplexedFraming.HeaderLength;
                    offset += MultiplexedFraming.HeaderLength;
                    if (type == MultiplexedFraming.SystemErrorType)
                    {
                        throw await SystemErrorAsync(multiplexed, buffer.AsMemory(start, end - start), length, frameOffset, cancellationToken).ConfigureAwait(false);
                    }
                    split.Frames++;
                    toStderr = type == (byte)StdStream.Stderr;
                    remaining = length;
                }
                if (unflushed >= FlushSize)
                {
                    unflushed = 0;
                    if ((await stdout.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCompleted)
                    {
                        // The reader is gone (the entry was abandoned): nobody wants the rest.
                        split.Abandoned = true;
                        return split;
                    }
                }
                // Keep a cut header's first bytes at the front; a payload never waits in the buffer.
                int kept = end - start;
                if (kept > 0)
                {
                    buffer.AsSpan(start, kept).CopyTo(buffer);
                }
                start = 0;
                end = kept;
                int got = await multiplexed.ReadAsync(buffer.AsMemory(end, ReadSize - end), cancellationToken).ConfigureAwait(false);
                split.MultiplexedBytes = offset + kept + got;
                if (got == 0)
                {
                    if (remaining > 0)
                    {
                        throw MultiplexedFraming.CutPayload(remaining, frameOffset);
                    }
                    if (kept > 0)
                    {
                        throw MultiplexedFraming.CutHeader(kept, offset);
                    }
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return split;
                }
                end += got;
            }
        }
        catch (IOException ex)
        {
            split.Failure = ex;
            split.MultiplexedBytes = offset; // where it broke: every byte before was split
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return split;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteStderr(LogSplit split, Stream stderr, ReadOnlySpan<byte> payload)
    {
        if (split.StderrLost is null)
        {
            try
            {
                stderr.Write(payload);
                split.StderrBytes += payload.Length;
                return;
            }
            catch (IOException ex)
            {
                split.StderrLost = ex.Message;
            }
        }
        split.StderrBytesLost += payload.Length;
    }

    /// <summary>The daemon's error frame: its message (what is buffered, then the body), as the exception that ends the split.</summary>
    private static async Task<MultiplexedStreamException> SystemErrorAsync(Stream body, Memory<byte> buffered, uint length, long frameOffset, CancellationToken cancellationToken)
    {
        var message = new byte[(int)Math.Min(length, MultiplexedFraming.MaxSystemErrorBytes)];
        int got = Math.Min(buffered.Length, message.Length);
        buffered[..got].CopyTo(message);
        while (got < message.Length)
        {
            int n = await body.ReadAsync(message.AsMemory(got), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            got += n;
        }
        return MultiplexedFraming.SystemError(message.AsSpan(0, got), frameOffset);
    }
}

/// <summary>What <see cref="LogStreamSplitter"/> split, and how it ended.</summary>
internal sealed class LogSplit
{
    /// <summary>Bytes of the body split, headers included; after a failure, where it broke.</summary>
    public long MultiplexedBytes { get; set; }

    public long Frames { get; set; }

    public long StdoutBytes { get; set; }

    public long StderrBytes { get; set; }

    /// <summary>Why the body ended before a clean end (format or transport); null when it ended on a frame boundary.</summary>
    public IOException? Failure { get; set; }

    /// <summary>Why stderr could not be kept past <see cref="StderrBytes"/> (its spool refused more); null when it was kept whole.</summary>
    public string? StderrLost { get; set; }

    public long StderrBytesLost { get; set; }

    /// <summary>The stdout reader went away before the end.</summary>
    public bool Abandoned { get; set; }
}
