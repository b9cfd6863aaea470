using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Collection.Nesting;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The acquisition record's <c>nested</c> (docs/evidence-format.md, "The acquisition record";
/// written by Core's <see cref="NestingJson"/> with <see cref="NestingFields"/>' names): how deep
/// runtimes nested in containers were looked for, and every runtime's descent.
/// </summary>
public sealed record AcquisitionNested(int? Depth, IReadOnlyList<NestedDescentRecord>? Descents)
{
    internal static AcquisitionNested From(JsonFields f) => new(
        f.Int32(AcquisitionFields.InNested.Depth, required: true),
        f.Objects(AcquisitionFields.InNested.Descents)?.Select(NestedDescentRecord.From).ToList());
}

/// <summary>
/// One runtime whose containers were looked into for nested runtimes, or why none was: the
/// chain it is nested in itself (<see cref="NestedIn"/>, outermost first; null for a runtime of
/// this host) and the depth a runtime found in its containers has.
/// </summary>
public sealed record NestedDescentRecord(string? Runtime, string? Endpoint, IReadOnlyList<NestingLinkLine>? NestedIn, int? Depth, string? NotDescended,
    IReadOnlyList<NestedContainerRecord>? Containers)
{
    internal static NestedDescentRecord From(JsonFields f) => new(
        f.String(NestingFields.InDescent.Runtime, required: true),
        f.String(NestingFields.InDescent.Endpoint, required: true),
        NestingLinkLine.Chain(f),
        f.Int32(NestingFields.InDescent.Depth, required: true),
        f.String(NestingFields.InDescent.NotDescended),
        f.Objects(NestingFields.InDescent.Containers)?.Select(NestedContainerRecord.From).ToList());
}

/// <summary>One container a runtime listed: the process whose root was looked into and how it was found, or why none; the sockets looked for there.</summary>
public sealed record NestedContainerRecord(string? Id, string? Name, string? Namespace, string? State, int? RuntimePid, int? HostPid, string? PidTranslation,
    string? NotDescended, IReadOnlyList<NestedSocketRecord>? Sockets)
{
    internal static NestedContainerRecord From(JsonFields f) => new(
        f.String(NestingFields.InContainer.Id, required: true),
        f.String(NestingFields.InContainer.Name),
        f.String(NestingFields.InContainer.Namespace),
        f.String(NestingFields.InContainer.State, required: true),
        f.Int32(NestingFields.InContainer.RuntimePid),
        f.Int32(NestingFields.InContainer.HostPid),
        f.String(NestingFields.InContainer.PidTranslation),
        f.String(NestingFields.InContainer.NotDescended),
        f.Objects(NestingFields.InContainer.Sockets)?.Select(NestedSocketRecord.From).ToList());
}

/// <summary>One socket looked for inside a container: found, what answered, whether it became a nested runtime and why (not).</summary>
public sealed record NestedSocketRecord(string? LookedForBy, string? Path, string? Endpoint, bool? Found, bool? Answered, string? AnsweredAs, string? Version,
    string? Locality, bool? Nested, string? Reason)
{
    internal static NestedSocketRecord From(JsonFields f) => new(
        f.String(NestingFields.InSocket.LookedForBy, required: true),
        f.String(NestingFields.InSocket.Path, required: true),
        f.String(NestingFields.InSocket.Endpoint, required: true),
        f.Bool(NestingFields.InSocket.Found, required: true),
        f.Bool(NestingFields.InSocket.Answered, required: true),
        f.String(NestingFields.InSocket.AnsweredAs),
        f.String(NestingFields.InSocket.Version),
        f.String(NestingFields.InSocket.Locality),
        f.Bool(NestingFields.InSocket.Nested, required: true),
        f.String(NestingFields.InSocket.Reason));
}
