using ContainerForensics.Core.IO;

namespace ContainerForensics.Kubernetes.Api;

/// <summary>
/// A response body whose every read must produce within a budget of time: a log stream may be
/// long, but a server that stops sending costs <c>--timeout</c>, not forever. Owns the response.
/// </summary>
internal sealed class IdleTimeoutStream(Stream inner, HttpResponseMessage response, TimeSpan idle, Func<Exception> timedOut) : AsyncReadOnlyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(idle);
        try
        {
            return await inner.ReadAsync(buffer, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw timedOut();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
