namespace ContainerForensics.Docker.Api;

/// <summary>
/// A streamed response body that owns its response and gives every read the call's time budget:
/// a daemon that stops sending mid-body ends the read with an <see cref="IOException"/> (whose
/// inner exception is a <see cref="DockerTimeoutException"/>) instead of hanging. IOException,
/// because a cut stream is partial evidence, not a crash (see EvidenceContent.FromStream).
/// </summary>
internal sealed class DockerResponseStream : Stream
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly string _endpoint;
    private readonly string _call;
    private readonly TimeSpan _idleTimeout;

    public DockerResponseStream(HttpResponseMessage response, Stream body, string endpoint, string call, TimeSpan idleTimeout)
    {
        _response = response;
        _body = body;
        _endpoint = endpoint;
        _call = call;
        _idleTimeout = idleTimeout;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_idleTimeout != Timeout.InfiniteTimeSpan)
        {
            budget.CancelAfter(_idleTimeout);
        }
        try
        {
            return await _body.ReadAsync(buffer, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var timeout = new DockerTimeoutException(_endpoint, _call, _idleTimeout, ex);
            throw new IOException($"{_call} at {_endpoint}: the daemon sent nothing for {DockerConnection.FormatSeconds(_idleTimeout)}; stream cut", timeout);
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"{_call} at {_endpoint}: {DockerConnection.DescribeTransportFailure(ex, unixSocket: false)}", ex);
        }
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _body.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
