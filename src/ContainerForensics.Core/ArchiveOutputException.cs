namespace ContainerForensics.Core;

/// <summary>
/// The archive output failed (a write, the error spool, the seal): nothing more can be recorded,
/// so this alone, with cancellation, stops a collection run (<see cref="Failures.StopsRun"/>).
/// Exit code <see cref="ExitCode.OutputError"/>.
/// </summary>
public sealed class ArchiveOutputException : CfirException
{
    public ArchiveOutputException(string message) : base(ExitCode.OutputError, message)
    {
    }

    public ArchiveOutputException(string message, Exception inner) : base(ExitCode.OutputError, message, inner)
    {
    }
}
