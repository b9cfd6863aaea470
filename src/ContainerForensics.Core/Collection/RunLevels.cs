using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// The levels of one run: this host's runtimes, and the runtimes nested in containers that the
/// run's own descent found (<see cref="DiscoveryResult.CompleteAsync"/>), which the run owns and
/// closes when it ends. A discovery handed over complete is the caller's, runtimes and all.
/// </summary>
internal sealed class RunLevels(DiscoveryResult? given, IReadOnlyList<IContainerRuntime> host)
{
    private readonly bool _descends = given is { DescentPending: true };

    /// <summary>Discovery as complete as it is: the one given, or, once the descent ended, the whole of it; null while the descent is pending.</summary>
    public DiscoveryResult? Discovery { get; set; } = given is { DescentPending: true } ? null : given;

    /// <summary>The acquisition record is in the archive.</summary>
    public bool Recorded { get; set; }

    /// <summary>The nested runtimes the run's descent found, in discovery order.</summary>
    public IReadOnlyList<IContainerRuntime> Nested => _descends && Discovery is { } d ? [.. d.Runtimes.Where(r => !host.Contains(r))] : [];

    /// <summary>This host's runtimes, then the nested ones.</summary>
    public IReadOnlyList<IContainerRuntime> All => [.. host, .. Nested];

    /// <summary>
    /// A descent still running when the run ends (interrupted, or the output broke) is stopped
    /// and waited for, so that no socket it holds outlives the run: it closes what it opened
    /// when cancelled, and whatever it completed with is closed by <see cref="DisposeNestedAsync"/>.
    /// </summary>
    public async Task EndDescentAsync(Task<DiscoveryResult>? descent, CancellationTokenSource stop)
    {
        if (descent is null || Discovery is not null)
        {
            return;
        }
        if (descent.IsFaulted || descent.IsCanceled)
        {
            return; // it ended the run where it was waited for, and closed what it had found
        }
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            Discovery = await descent.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped: it closed what it had found.
        }
    }

    /// <summary>Closes the nested runtimes the run's descent found (not those of a discovery handed over complete).</summary>
    public async Task DisposeNestedAsync()
    {
        foreach (var runtime in Nested)
        {
            await runtime.DisposeAsync().ConfigureAwait(false);
        }
    }
}
