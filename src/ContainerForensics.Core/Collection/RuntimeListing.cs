using System.Runtime.ExceptionServices;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// One runtime's listing of its containers, or how it failed. A run lists each runtime once:
/// the descent into containers and the collection take the same listing, so a daemon that
/// hangs on its listing costs <c>--timeout</c> once, and its failure is recorded where the
/// collection records listing failures, as it was thrown.
/// </summary>
public sealed class RuntimeListing
{
    private RuntimeListing(IReadOnlyList<ContainerInfo>? containers, ExceptionDispatchInfo? failure)
    {
        Containers = containers;
        Failure = failure;
    }

    /// <summary>The containers listed; null when the listing failed.</summary>
    public IReadOnlyList<ContainerInfo>? Containers { get; }

    /// <summary>Why there is no listing (thrown again where the collection lists, inside its failure boundary).</summary>
    public ExceptionDispatchInfo? Failure { get; }

    public static RuntimeListing Of(IReadOnlyList<ContainerInfo> containers) => new(containers, null);

    public static RuntimeListing Failed(Exception failure) => new(null, ExceptionDispatchInfo.Capture(failure));

    /// <summary>Lists now; any failure but the run's cancellation (and what stops the run) is kept, not thrown.</summary>
    public static async Task<RuntimeListing> OfAsync(IContainerRuntime runtime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        try
        {
            return Of(await runtime.ListContainersAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && !Failures.StopsRun(ex))
        {
            return Failed(ex);
        }
    }

    /// <summary>The containers, or the listing's failure thrown again.</summary>
    public IReadOnlyList<ContainerInfo> Take()
    {
        Failure?.Throw();
        return Containers!;
    }
}
