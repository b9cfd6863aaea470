using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// One runtime's events for as long as the watch runs. When the stream ends or breaks (the
/// daemon restarted, the socket went away) it asks again, with <c>since</c> set to the last
/// event's time, so a runtime that replays (<see cref="IContainerEventSource.ReplaysSince"/>)
/// loses nothing it still remembers; the replayed events already delivered are recognised by
/// their bytes (<see cref="RecentEvents"/>) and not delivered twice. The first subscription
/// asks from the watch's start, so nothing between the start and the subscription is missed.
/// Losing and regaining the stream are index lines; retries back off from 100 ms to 5 s.
/// </summary>
internal sealed class EventFeed(IContainerRuntime runtime, IContainerEventSource source, UnixTime startedAt, WatchIndex index,
    IWatchProgress progress, ILogger log, TimeProvider clock)
{
    internal static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Delivers each new event to <paramref name="deliver"/>, in the order the runtime sent them,
    /// until <paramref name="stop"/>; what <paramref name="deliver"/> throws ends the feed.
    /// </summary>
    public async Task RunAsync(Func<ContainerEvent, UnixTime, Task> deliver, CancellationToken stop)
    {
        var recent = new RecentEvents();
        var since = startedAt;
        string? down = null;
        var retry = FirstRetry;
        while (!stop.IsCancellationRequested)
        {
            string why;
            var events = source.WatchAsync(since.ToDateTimeOffset(), stop).GetAsyncEnumerator(stop);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            why = "the runtime ended its event stream";
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex) when (!Failures.StopsRun(ex))
                    {
                        // A cancellation that is not the watch's is a call the transport gave up on.
                        why = ex.Message;
                        break;
                    }
                    var e = events.Current;
                    var received = clock.GetUnixTime();
                    retry = FirstRetry;
                    if (down is not null)
                    {
                        Note("resumed", $"events come again after: {down}", since);
                        down = null;
                    }
                    if (e.Time.CompareTo(since) > 0)
                    {
                        since = e.Time;
                    }
                    if (recent.Add(e))
                    {
                        await deliver(e, received).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                await DisposeQuietlyAsync(events).ConfigureAwait(false);
            }
            if (down is null)
            {
                down = why;
                Note("disconnected", why, since);
            }
            else
            {
                log.Debug("{Runtime} at {Endpoint}: still no event stream: {Reason}", runtime.Descriptor.Name, runtime.Descriptor.Endpoint, why);
            }
            try
            {
                await Task.Delay(retry, clock, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    private void Note(string state, string reason, UnixTime since)
    {
        string replay = source.ReplaysSince
            ? $"asked again from {since.ToIso8601()}"
            : "this runtime cannot replay: what happened while the stream was down was not seen";
        index.Source(runtime, clock.GetUnixTime(), state, reason, since, source.ReplaysSince);
        string message = $"{runtime.Descriptor.Name} at {runtime.Descriptor.Endpoint}: event stream {state} ({reason}); {replay}";
        if (state == "resumed")
        {
            log.Information("{Message:l}", message);
        }
        else
        {
            log.Warning("{Message:l}", message);
        }
        progress.Source(message);
    }

    private async Task DisposeQuietlyAsync(IAsyncEnumerator<ContainerEvent> events)
    {
        try
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (!Failures.StopsRun(ex))
        {
            log.Debug(ex, "closing the event stream of {Runtime}", runtime.Descriptor.Name);
        }
    }
}
