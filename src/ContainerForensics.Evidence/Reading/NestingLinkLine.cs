using ContainerForensics.Core.Collection.Nesting;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// One link of a nesting chain as an archive records it (<see cref="NestingFields"/>): a container
/// a runtime is nested in and the runtime that runs it. Chains are read outermost first.
/// </summary>
public sealed record NestingLinkLine(string? Runtime, string? Endpoint, string? Namespace, string? ContainerId, string? ContainerName, int? HostPid)
{
    internal static IReadOnlyList<NestingLinkLine>? Chain(JsonFields f) =>
        f.Objects(NestingFields.NestedIn)?.Select(l => new NestingLinkLine(
            l.String(NestingFields.InLink.Runtime, required: true),
            l.String(NestingFields.InLink.Endpoint),
            l.String(NestingFields.InLink.Namespace),
            l.String(NestingFields.InLink.ContainerId, required: true),
            l.String(NestingFields.InLink.ContainerName),
            l.Int32(NestingFields.InLink.HostPid))).ToList();
}
