using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Tests.Memory;

/// <summary>
/// Pulls an item's content into a file the way the archive writer does: in order, 1 MiB at a
/// time; a block that throws <see cref="IOException"/> is zero-filled up to the next 4 KiB
/// boundary and recorded; a source that ends early is zero-filled to its length.
/// </summary>
internal static class CorePull
{
    private const int FillBlock = 4096;

    internal sealed record Result(long Length, long BytesRead, IReadOnlyList<DataSegment> Unreadable, long? EndedAt, ContentReadNote? Note);

    /// <param name="afterRead">Called after each successful read with the offset reached (to kill the process mid-dump).</param>
    public static async Task<Result> ToFileAsync(IEvidenceContent content, string path, Action<long>? afterRead = null)
    {
        long length = content.Length ?? throw new InvalidOperationException("a core's length is known up front");
        var buffer = new byte[1 << 20];
        var unreadable = new List<DataSegment>();
        long read = 0;
        long? endedAt = null;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            long pos = 0;
            while (pos < length)
            {
                int want = (int)Math.Min(buffer.Length, length - pos);
                int got;
                try
                {
                    got = await content.ReadAsync(pos, buffer.AsMemory(0, want), CancellationToken.None);
                }
                catch (IOException)
                {
                    long blockEnd = Math.Min(length, ((pos / FillBlock) + 1) * FillBlock);
                    unreadable.Add(new DataSegment(pos, blockEnd - pos));
                    file.Write(new byte[blockEnd - pos]);
                    pos = blockEnd;
                    continue;
                }
                if (got == 0)
                {
                    endedAt = pos;
                    unreadable.Add(new DataSegment(pos, length - pos));
                    file.SetLength(length);
                    break;
                }
                Assert.InRange(got, 1, want);
                file.Write(buffer, 0, got);
                pos += got;
                read += got;
                afterRead?.Invoke(pos);
            }
        }
        var note = await content.CompleteAsync(CancellationToken.None);
        await content.DisposeAsync();
        Assert.Equal(length, new FileInfo(path).Length);
        return new Result(length, read, unreadable, endedAt, note);
    }
}
