namespace ContainerForensics.Containerd.Cri.Logs;

/// <summary>
/// A read-only stream whose bytes are produced on demand, chunk by chunk, by an async sequence:
/// the archive writer pulls the parsed log through it, so the parse runs as the writer reads and
/// only one chunk is in memory at a time.
/// </summary>
internal sealed class PulledStream(IAsyncEnumerable<byte[]> chunks, CancellationToken cancellationToken) : Stream
{
    private readonly IAsyncEnumerator<byte[]> _chunks = chunks.GetAsyncEnumerator(cancellationToken);
    private byte[] _current = [];
    private int _offset;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

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

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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
