using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Verify;

/// <summary>Counts the bytes read through it (the uncompressed length of a gzip stream).</summary>
internal sealed class CountingReadStream(Stream inner) : SyncReadOnlyStream
{
    public long Total { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        Total += n;
        return n;
    }

    protected override long Consumed => Total;
}
