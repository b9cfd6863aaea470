namespace ContainerForensics.Core.IO;

/// <summary>
/// A read-only stream whose bytes are produced on demand, chunk by chunk, by an async sequence:
/// the archive writer pulls the parsed log through it, so the parse runs as the writer reads and
/// only one chunk is in memory at a time.
/// </summary>
public sealed class PulledStream(IAsyncEnumerable<byte[]> chunks, CancellationToken cancellationToken) : AsyncReadOnlyStream
{
    private readonly IAsyncEnumerator<byte[]> _chunks = chunks.GetAsyncEnumerator(cancellationToken);
    private byte[] _current = [];
    private int _offset;
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _current.Length)
        {
            if (_ended || !await _chunks.MoveNextAsync().ConfigureAwait(false))
            {
                _ended = true;
                return 0;
            }
            _current = _chunks.Current;
            _offset = 0;
        }
        int n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override async ValueTask DisposeAsync()
    {
        await _chunks.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunks.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }
}
