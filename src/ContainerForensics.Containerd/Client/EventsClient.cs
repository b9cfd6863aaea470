using ContainerForensics.Containerd.Api.Events;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.events.v1.Events: the daemon's event stream.</summary>
internal sealed class EventsClient(Events.EventsClient stub)
{
    /// <summary>
    /// The envelopes published from now on that match any of <paramref name="filters"/>
    /// (containerd's filter syntax, e.g. <c>topic~="^/tasks/"</c>), from every namespace: this call
    /// is not scoped by the <c>containerd-namespace</c> header. The stream has no deadline
    /// (<see cref="CallBudgetInterceptor.Open"/>): it stays open until the caller cancels, the daemon
    /// ends it, or the connection breaks, each of which ends the enumeration.
    /// </summary>
    public async IAsyncEnumerable<Envelope> SubscribeAsync(IEnumerable<string> filters,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new SubscribeRequest();
        request.Filters.AddRange(filters);
        using var call = stub.Subscribe(request, deadline: CallBudgetInterceptor.Open, cancellationToken: cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }
}
