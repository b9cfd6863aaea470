using System.Collections.Concurrent;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// Asks for the stats of every running container of a volatile phase at once, when the phase
/// starts, and hands each answer to that container's state collector.
/// <para>
/// Why: Docker's stats collector (moby daemon/stats/collector.go, <c>Collector.Run</c>) samples
/// every container that has a subscriber in one pass, then sleeps its interval (1 s) before the
/// next pass; a <c>stats?stream=false&amp;one-shot=true</c> request subscribes and waits for the
/// next pass. Asked one container after another, each call waits out the sleep that the previous
/// one started: about 0.7–1 s per container on Docker 20.10 (measured: 44 s of a 50-container
/// run), while a request to an idle daemon answers in 10 ms. Asked together, all are answered by
/// the same pass, within about a second, and the samples are of one moment.
/// </para>
/// <para>
/// Each answer keeps the time it arrived (<see cref="DockerJson.ReceivedAt"/>, the entry's
/// collectedAt). Failures are not handled here: the collector writes the answer as deferred
/// evidence, where a 404 means the container vanished. At most <see cref="MaxConcurrent"/>
/// requests are open at once (each holds one connection to the daemon); the rest wait for a free
/// slot and come a pass later. With 32 slots the bench's 50 containers took three passes, about
/// 2.1 s; a pass answers every open request, so the slots are sized for a host's usual count.
/// </para>
/// </summary>
internal sealed class DockerStatsSampler(DockerClient client)
{
    internal const int MaxConcurrent = 128;

    private readonly ConcurrentDictionary<string, Task<DockerJson>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(MaxConcurrent, MaxConcurrent);

    /// <summary>Starts one sample per container id; returns at once.</summary>
    public void Start(IEnumerable<string> ids, bool oneShot, CancellationToken cancellationToken)
    {
        foreach (string id in ids)
        {
            var sample = SampleAsync(id, oneShot, cancellationToken);
            // Observed even if no collector ever takes it (the run was interrupted first).
            _ = sample.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _pending[id] = sample;
            _ = ForgetUntakenAsync(id, sample);
        }
    }

    /// <summary>
    /// A sample no collector took (its container vanished before its state was asked, so the
    /// state collector never ran) is forgotten a while after it came: a runtime that lives for
    /// hours of watch mode keeps no sample of every container that ever started.
    /// </summary>
    private async Task ForgetUntakenAsync(string id, Task<DockerJson> sample)
    {
        await Task.WhenAny(sample).ConfigureAwait(false);
        await Task.Delay(Untaken).ConfigureAwait(false);
        _pending.TryRemove(KeyValuePair.Create(id, sample));
    }

    /// <summary>How long an answered sample waits to be taken.</summary>
    internal static readonly TimeSpan Untaken = TimeSpan.FromMinutes(1);

    /// <summary>The sample started for this container, once; null when none was started.</summary>
    public Task<DockerJson>? Take(string id) => _pending.TryRemove(id, out var sample) ? sample : null;

    private async Task<DockerJson> SampleAsync(string id, bool oneShot, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await client.State.StatsRawAsync(id, oneShot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }
}
