using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Manifest;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// One line of manifest/errors.jsonl, typed: a failure that produced no entry of its own
/// (docs/evidence-format.md, "The manifest"). A field the line lacks, or that could not be read,
/// is null.
/// </summary>
public sealed record ErrorLine
{
    /// <summary>The line's number in errors.jsonl, from 1.</summary>
    public long Line { get; init; }

    /// <summary><c>engine docker</c>, <c>metadata of docker/&lt;id&gt;</c>, <c>selection</c>, <c>discovery</c>, <c>run</c>, ...</summary>
    public string? Scope { get; init; }

    public string? Message { get; init; }

    /// <summary>A path inside the container (a walk that was cut) or an archive path (the last entry of a vanished container).</summary>
    public string? Path { get; init; }

    public string? Runtime { get; init; }

    public string? ContainerId { get; init; }

    /// <summary>For a failure about a nested runtime or its containers: the containers it is nested in, outermost first.</summary>
    public IReadOnlyList<NestingLinkLine>? NestedIn { get; init; }

    public int? Errno { get; init; }

    /// <summary>The .NET exception type behind the failure.</summary>
    public string? Exception { get; init; }

    public UnixTime? At { get; init; }

    internal static ErrorLine? Parse(ReadOnlySpan<byte> json, long line, Action<string, string> problem, Action<string> unreadable) =>
        JsonFields.Read(json, f => new ErrorLine
        {
            Line = line,
            Scope = f.String(ErrorFields.Scope, required: true),
            Message = f.String(ErrorFields.Message, required: true),
            Path = f.String(ErrorFields.Path),
            Runtime = f.String(ErrorFields.Runtime),
            ContainerId = f.String(ErrorFields.ContainerId),
            NestedIn = NestingLinkLine.Chain(f),
            Errno = f.Int32(ErrorFields.Errno),
            Exception = f.String(ErrorFields.Exception),
            At = f.Time(ErrorFields.At),
        }, problem, unreadable);
}
