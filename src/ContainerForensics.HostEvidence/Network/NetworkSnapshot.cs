using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// Everything read from one namespace's /proc/&lt;pid&gt;/net, with the socket owners the caller
/// found: what the decoded documents are made of. A file that was not read, or not from this
/// namespace, decodes as empty and says so in its source record.
/// </summary>
internal sealed class NetworkSnapshot
{
    public required int Pid { get; init; }

    public required ulong NetnsInode { get; init; }

    public required IReadOnlyDictionary<string, ProcNetRead> Reads { get; init; }

    public required IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> Owners { get; init; }

    public IReadOnlyList<SocketOwner> OwnersOf(ulong inode) =>
        inode != 0 && Owners.TryGetValue(inode, out var owners) ? owners : [];

    /// <summary>Runs a parser on one file's bytes, and describes the source for the document.</summary>
    public ParsedTable<T> Parse<T>(string name, Func<ReadOnlyMemory<byte>, bool, ParsedTable<T>> parser, List<SourceSummary> sources)
    {
        Reads.TryGetValue(name, out var read);
        var table = read is { Decodable: true, Content: { } bytes } ? parser(bytes, read.Oversize) : new ParsedTable<T>();
        sources.Add(SourceSummary.Of(name, "/proc/" + Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/net/" + name, read, table));
        return table;
    }
}
