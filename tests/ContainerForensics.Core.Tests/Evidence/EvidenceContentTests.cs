using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Evidence;

/// <summary>A stream kept to a cap (--max-file-size): whole when it fits, truncated only when it had more.</summary>
public sealed class EvidenceContentTests
{
    private static ValueTask<ContentConsumer.Consumed> TakeAsync(IEvidenceContent content) =>
        ContentConsumer.TakeAsync(content, EntryStatus.Collected, null, int.MaxValue, null, CancellationToken.None);

    [Theory]
    [InlineData("0123456789", 10, "0123456789", EntryStatus.Collected)]
    [InlineData("0123456789", 20, "0123456789", EntryStatus.Collected)]
    [InlineData("0123456789A", 10, "0123456789", EntryStatus.Truncated)]
    [InlineData("0123456789", 0, "", EntryStatus.Truncated)]
    public async Task A_capped_stream_keeps_at_most_the_cap_and_is_truncated_only_when_more_followed(string source, long cap, string kept, EntryStatus status)
    {
        // One byte at a time, as a network stream may hand them over.
        var taken = await TakeAsync(EvidenceContent.FromStream(new TrickleStream(Encoding.ASCII.GetBytes(source)), cap));

        Assert.Equal(kept, Encoding.ASCII.GetString(taken.Kept ?? []));
        Assert.Equal(status, taken.Status);
        if (status == EntryStatus.Truncated)
        {
            Assert.Contains($"cut at {cap} bytes", taken.Reason, StringComparison.Ordinal);
        }
    }

    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
