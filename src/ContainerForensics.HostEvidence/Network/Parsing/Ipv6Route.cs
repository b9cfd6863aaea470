using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/ipv6_route (net/ipv6/route.c ipv6_route_native_seq_show).</summary>
internal sealed record Ipv6Route
{
    public required int Line { get; init; }

    public required IPAddress Destination { get; init; }

    public required int DestinationPrefixLength { get; init; }

    public required IPAddress Source { get; init; }

    public required int SourcePrefixLength { get; init; }

    public required IPAddress NextHop { get; init; }

    public required uint Metric { get; init; }

    public required uint RefCount { get; init; }

    public required uint Use { get; init; }

    public required uint FlagsCode { get; init; }

    public IReadOnlyList<string> Flags => RouteFlags.NamesIpv6(FlagsCode);

    public required RawName Interface { get; init; }
}
