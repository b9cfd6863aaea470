using ContainerForensics.Core.IO;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// A streamed response body that owns its response and gives every read the call's time budget:
/// a daemon that stops sending mid-body ends the read with an <see cref="IOException"/> (whose
/// inner exception is a <see cref="DockerTimeoutException"/>) instead of hanging. IOException,
/// because a cut stream is partial evidence, not a crash (see EvidenceContent.FromStream).
/// </summary>
internal sealed class DockerResponseStream : AsyncReadOnlyStream
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
