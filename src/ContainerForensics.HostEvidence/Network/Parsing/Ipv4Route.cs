using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/route: a route of the main IPv4 table (net/ipv4/fib_trie.c fib_route_seq_show).</summary>
internal sealed record Ipv4Route
{
    public required int Line { get; init; }

    public required RawName Interface { get; init; }

    public required IPAddress Destination { get; init; }

    public required IPAddress Gateway { get; init; }

    public required IPAddress Mask { get; init; }

    /// <summary>Null when the mask is not contiguous.</summary>
    public int? PrefixLength => ProcAddress.PrefixLength(Mask);

    public required uint FlagsCode { get; init; }

    public IReadOnlyList<string> Flags => RouteFlags.NamesIpv4(FlagsCode);

    public required long RefCount { get; init; }

    public required long Use { get; init; }

    public required long Metric { get; init; }

    public required long Mtu { get; init; }

    public required long Window { get; init; }

    public required long Irtt { get; init; }
}
