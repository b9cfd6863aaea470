using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// One runtime's events for as long as the watch runs. When the stream ends or breaks (the
/// daemon restarted, the socket went away) it asks again, with <c>since</c> set
/// <see cref="ReplayMargin"/> before the last event's time (never before the watch's start), so
/// a runtime that replays (<see cref="IContainerEventSource.ReplaysSince"/>) loses nothing it
/// still remembers; the replayed events already delivered are recognised by their bytes
/// (<see cref="RecentEvents"/>) and not delivered twice. The first subscription
/// asks from the watch's start, so nothing between the start and the subscription is missed.
/// Losing and regaining the stream are index lines; retries back off from 100 ms to 5 s.
/// </summary>
internal sealed class EventFeed(IContainerRuntime runtime, IContainerEventSource source, UnixTime startedAt, WatchIndex index,
    IWatchProgress progress, ILogger log, TimeProvider clock)
{
    internal static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far before the last event seen a reconnect asks from. Podman's event log holds events
    /// in the order its processes wrote them (the podman command, conmon's cleanup process), not
    /// in the order of their times: an event written after the last one seen may carry an earlier
    /// time, and asking from the last time seen skipped it (CI: a <c>die</c> lost across a
    /// rotation of Podman's event log). On the rig's log, 66 of 760 events were written after one
    /// with a later time, by up to 92 ms. The events this replays again are dropped by
    /// <see cref="RecentEvents"/>.
    /// </summary>
    internal static readonly TimeSpan ReplayMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Delivers each new event to <paramref name="deliver"/>, in the order the runtime sent them,
    /// until <paramref name="stop"/>; what <paramref name="deliver"/> throws ends the feed.
    /// </summary>
    public async Task RunAsync(Func<ContainerEvent, UnixTime, Task> deliver, CancellationToken stop)
    {
        var recent = new RecentEvents();
        var since = startedAt; // the last event's time: where to ask from, less the margin
        string? down = null;
        var retry = FirstRetry;
        while (!stop.IsCancellationRequested)
        {
            string why;
            var events = source.WatchAsync(AskFrom(since).ToDateTimeOffset(), stop).GetAsyncEnumerator(stop);
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

    /// <summary>Where a subscription asks from: <see cref="ReplayMargin"/> before the last event seen, not before the watch began.</summary>
    private UnixTime AskFrom(UnixTime lastSeen)
    {
        var back = UnixTime.FromDateTimeOffset(lastSeen.ToDateTimeOffset() - ReplayMargin);
        return back.CompareTo(startedAt) > 0 ? back : startedAt;
    }

    private void Note(string state, string reason, UnixTime lastSeen)
    {
        var since = AskFrom(lastSeen);
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
