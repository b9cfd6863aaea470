using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core;

/// <summary>
/// What a failure boundary lets through, said once. Collectors run each step inside a boundary
/// that turns an exception into an error record and goes on; three things are not a step's
/// failure and must reach the runner: cancellation (the run is being closed), a vanished
/// container (the runner records it once, with the phase it vanished in) and a broken archive
/// output (nothing more can be recorded). Of these the runner stops the whole run only on the
/// output and on cancellation; any other <see cref="CfirException"/> is one step's failure.
/// </summary>
public static class Failures
{
    /// <summary>Not the failure of the step at hand: a step boundary rethrows it (<c>catch (Exception ex) when (!Failures.IsFatal(ex))</c>).</summary>
    public static bool IsFatal(Exception exception) =>
        exception is OperationCanceledException or ContainerGoneException || StopsRun(exception);

    /// <summary>The archive output failed: the run ends, however many containers are left.</summary>
    public static bool StopsRun(Exception exception) => exception is ArchiveOutputException;
}
