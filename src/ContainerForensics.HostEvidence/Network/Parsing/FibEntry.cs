using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// One alias of a leaf of /proc/net/fib_trie: a prefix in one routing table with its scope
/// and route type. "/32 host LOCAL" entries are the addresses assigned to this namespace's
/// interfaces (the kernel adds a local route for each).
/// </summary>
internal sealed record FibEntry
{
    public required int Line { get; init; }

    /// <summary>"Main", "Local", or "Id N" for other tables.</summary>
    public required string Table { get; init; }

    public required IPAddress Prefix { get; init; }

    public required int PrefixLength { get; init; }

    /// <summary>universe, site, link, host, nowhere (or a number).</summary>
    public required string Scope { get; init; }

    /// <summary>UNICAST, LOCAL, BROADCAST, MULTICAST, BLACKHOLE, UNREACHABLE, PROHIBIT, ...</summary>
    public required string Type { get; init; }

    public int? Tos { get; init; }

    public bool IsLocalAddress => PrefixLength == 32 && Type == "LOCAL";
}
