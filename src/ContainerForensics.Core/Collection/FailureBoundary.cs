using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// One unit of work inside its own failure boundary: any failure but cancellation and a broken
/// archive output becomes an error record on the unit's sink, is counted, and the run goes on.
/// </summary>
internal sealed class FailureBoundary(ILogger log)
{
    /// <returns>True when the work ended without recording a failure.</returns>
    public async Task<bool> RunAsync(ScopedEvidenceSink sink, string what, CollectionResult result, Func<Task> work, CancellationToken cancellationToken, bool rethrowGone = false)
    {
        int before = sink.FailureCount;
        try
        {
            await work().ConfigureAwait(false);
            result.AddFailures(sink.FailureCount - before);
            return sink.FailureCount == before;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (Failures.StopsRun(ex))
        {
            throw; // the archive output failed: nothing more can be recorded
        }
        catch (ContainerGoneException) when (rethrowGone)
        {
            throw; // the enclosing boundary records the vanished container once
        }
        catch (Exception ex)
        {
            sink.RecordError($"{what} failed", ex);
            result.AddFailures(sink.FailureCount - before);
            log.Error("{What} failed: {Message}", what, ex.Message);
            log.Debug(ex, "{What} failed", what);
            return false;
        }
    }
}
