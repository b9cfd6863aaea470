using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// Every call on a <see cref="ContainerdChannel"/> passes here. It gets the channel's deadline
/// (sent to the daemon as <c>grpc-timeout</c> and enforced by Grpc.Net.Client, for a
/// server-streaming call over the whole stream), and its failure is turned into what the
/// collectors catch:
/// <list type="bullet">
/// <item>the caller's token cancelled: <see cref="OperationCanceledException"/> on that token,
/// whatever status the library reports;</item>
/// <item>DeadlineExceeded once the deadline has passed: <see cref="GrpcTimeoutException"/> (our
/// budget ran out, whether the library's timer or the daemon noticed first);</item>
/// <item>any other status: <see cref="GrpcCallException"/> with the code and the daemon's message
/// (Grpc.Net.Client reports an unreachable socket as Unavailable and a malformed response, a
/// cut-off message among them, as Internal).</item>
/// </list>
/// Only unary and server-streaming asynchronous calls exist in cfir; the other kinds are refused
/// rather than let through without a budget.
/// <para>
/// One exception to the budget, asked for explicitly: a call whose options carry the deadline
/// <see cref="Open"/> (<see cref="DateTime.MaxValue"/>, gRPC's "no deadline") is a subscription
/// (Events.Subscribe), a stream that is meant to stay open until the caller cancels; it runs
/// without a deadline, so no <c>grpc-timeout</c> goes to the daemon. Its failures are translated
/// the same way, and the caller's cancellation is still an <see cref="OperationCanceledException"/>.
/// Any other deadline a caller passes is replaced by the channel's.
/// </para>
/// </summary>
internal sealed class CallBudgetInterceptor(string endpoint, TimeSpan timeout) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var (budgeted, deadline) = Budget(context);
        var call = continuation(request, budgeted);
        return new AsyncUnaryCall<TResponse>(ResponseAsync(call.ResponseAsync, context.Method.FullName, deadline, context.Options.CancellationToken),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var (budgeted, deadline) = Budget(context);
        var call = continuation(request, budgeted);
        var stream = new ResponseStream<TResponse>(call.ResponseStream, this, context.Method.FullName, deadline, context.Options.CancellationToken);
        return new AsyncServerStreamingCall<TResponse>(stream, call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        throw Refused(context.Method);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        throw Refused(context.Method);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        throw Refused(context.Method);

    /// <summary>The deadline a subscription passes to run without one (see the class summary).</summary>
    public static readonly DateTime Open = DateTime.MaxValue;

    /// <summary>
    /// The channel's deadline replaces any other but <see cref="Open"/>. It is a time on the system
    /// clock because that is the clock Grpc.Net.Client measures deadlines with.
    /// </summary>
    private (ClientInterceptorContext<TRequest, TResponse> Context, DateTime Deadline) Budget<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        if (context.Options.Deadline == Open)
        {
            return (context, Open);
        }
        var deadline = DateTime.UtcNow + timeout;
        return (new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(deadline)), deadline);
    }

    private async Task<TResponse> ResponseAsync<TResponse>(Task<TResponse> response, string method, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex, method, deadline, cancellationToken);
        }
    }

    /// <summary><paramref name="readToken"/>: the one a stream's reader passed, when it is not the call's.</summary>
    private Exception Translate(RpcException ex, string method, DateTime deadline, CancellationToken callToken, CancellationToken readToken = default)
    {
        foreach (var token in (ReadOnlySpan<CancellationToken>)[readToken, callToken])
        {
            if (token.IsCancellationRequested)
            {
                return new OperationCanceledException($"{method} at {endpoint}: cancelled", ex, token);
            }
        }
        if (ex.StatusCode == StatusCode.DeadlineExceeded && DateTime.UtcNow >= deadline)
        {
            return new GrpcTimeoutException(endpoint, method, timeout, ex);
        }
        return new GrpcCallException(endpoint, method, ex.StatusCode, ex.Status.Detail, ex);
    }

    private static NotSupportedException Refused(IMethod method) =>
        new($"{method.FullName}: only asynchronous unary and server-streaming calls run under the channel's deadline");

    /// <summary>The library's response stream, its failures translated like a unary call's.</summary>
    private sealed class ResponseStream<T>(IAsyncStreamReader<T> inner, CallBudgetInterceptor owner, string method, DateTime deadline, CancellationToken callToken)
        : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw owner.Translate(ex, method, deadline, callToken, cancellationToken);
            }
        }
    }
}
