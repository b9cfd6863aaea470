namespace ContainerForensics.Sealing;

/// <summary>Read-only and forward-only: bytes already read from a stream that cannot be rewound (a pipe), then the rest of it.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ForwardReadStream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
        return rest.Read(buffer);
    }
}
