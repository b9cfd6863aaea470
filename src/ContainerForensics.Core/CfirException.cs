namespace ContainerForensics.Core;

/// <summary>
/// An expected failure: carries the exit code and a one-line message for the responder.
/// The CLI prints the message without a stack trace. Only <see cref="ArchiveOutputException"/>,
/// the output failing, stops a collection run (<see cref="Failures"/>); any other is the
/// failure of the step that threw it.
/// </summary>
public class CfirException : Exception
{
    public CfirException(ExitCode exitCode, string message) : base(message) => ExitCode = exitCode;

    public CfirException(ExitCode exitCode, string message, Exception inner) : base(message, inner) => ExitCode = exitCode;

    public ExitCode ExitCode { get; }
}
