namespace ContainerForensics.Evidence.Spooling;

/// <summary>
/// The memory every in-memory spool of one archive may hold together. Past it a spool refuses
/// to grow with <see cref="SpoolFullException"/>: memory stays bounded, and the run says why
/// and how to go on (<c>--spool-dir</c>) instead of failing later for want of memory.
/// </summary>
internal sealed class SpoolBudget(long limit)
{
    private long _used;

    public long Limit => limit;

    public long Used => Interlocked.Read(ref _used);

    public void Charge(long bytes, string spool)
    {
        if (Interlocked.Add(ref _used, bytes) > limit)
        {
            Interlocked.Add(ref _used, -bytes);
            throw new SpoolFullException(
                $"the in-memory spool is full ({limit / (1 << 20)} MiB held for the manifest, sums and streams; {spool} asked for more): give --spool-dir DIR on a disk that is not evidence");
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
