using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// The uncompressed archive stream on its way down, copied to a tap
/// (<see cref="EvidenceArchiveOptions.StreamTap"/>) after the stream below has taken it. The
/// tap is a bystander: the first exception it throws detaches it (it sees no more bytes,
/// which its reader finds as a cut stream), and the archive goes on as if it had never been
/// there. Flushes are not passed on to it: the tap takes the bytes as they come, and ends
/// when its owner says so.
/// </summary>
internal sealed class TapWriteStream(Stream inner, Stream tap) : WriteOnlyStream
{
    private bool _detached;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        if (_detached)
        {
            return;
        }
        try
        {
            tap.Write(buffer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _detached = true;
        }
    }

    public override void Flush() => inner.Flush();
}
