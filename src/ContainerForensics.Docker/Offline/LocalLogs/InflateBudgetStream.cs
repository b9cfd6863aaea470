using ContainerForensics.Core.IO;

namespace ContainerForensics.Docker.Offline.LocalLogs;

/// <summary>
/// Hands out at most <paramref name="budget"/> bytes of a decompressing stream: a gzip of zeros
/// in an attacker's image inflates a thousandfold, and the decoded records of one rotated file
/// must not be able to fill the spool. <see cref="Exceeded"/> says the budget ended the stream.
/// </summary>
internal sealed class InflateBudgetStream(Stream inner, long budget) : AsyncReadOnlyStream
{
    private long _given;

    public bool Exceeded { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_given >= budget)
        {
            // One byte more tells a stream that ends exactly at the budget from one that goes on.
            Exceeded = Exceeded || await inner.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0;
            return 0;
        }
        int n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, budget - _given)], cancellationToken).ConfigureAwait(false);
        _given += n;
        return n;
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
