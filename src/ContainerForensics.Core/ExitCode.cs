namespace ContainerForensics.Core;

/// <summary>
/// Every exit code cfir returns. Documented in docs/usage.md; scripts rely on these numbers,
/// so they never change meaning.
/// </summary>
public enum ExitCode
{
    /// <summary>Everything selected was collected and the archive is sealed complete.</summary>
    Complete = 0,
    /// <summary>Some evidence that existed failed, went missing or was cut; the archive is valid and sealed partial (skipped and absent entries alone do not make a run partial).</summary>
    Partial = 1,
    /// <summary>The command line could not be understood.</summary>
    UsageError = 2,
    /// <summary>No container runtime answered.</summary>
    NoRuntime = 3,
    /// <summary>The archive could not be created or written.</summary>
    OutputError = 4,
    /// <summary><c>cfir verify</c> found a mismatch, or the archive is unreadable.</summary>
    VerificationFailed = 5,
    /// <summary>A defect in cfir itself (an unexpected exception); the message says where. Report it.</summary>
    InternalError = 70,
    /// <summary>Interrupted by SIGINT/SIGTERM; the archive was closed and sealed partial.</summary>
    Interrupted = 130,
}
