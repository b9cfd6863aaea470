using System.Text;
using ContainerForensics.HostEvidence.Network.Parsing;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.HostEvidence.Tests.Network;

/// <summary>Whatever the bytes, a parser returns: entries and unparsed lines, numbered within the file, never an exception.</summary>
public sealed class HostileInputTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly (string Name, Func<ReadOnlyMemory<byte>, (int Lines, int Entries, IEnumerable<int> Unparsed)> Parse)[] Parsers =
    [
        ("tcp", b => Summary(InetSocketParser.Parse(b, "tcp", "tcp", 4))),
        ("tcp6", b => Summary(InetSocketParser.Parse(b, "tcp6", "tcp", 6))),
        ("unix", b => Summary(UnixSocketParser.Parse(b))),
        ("packet", b => Summary(PacketSocketParser.Parse(b))),
        ("netlink", b => Summary(NetlinkSocketParser.Parse(b))),
        ("dev", b => Summary(DevParser.Parse(b))),
        ("if_inet6", b => Summary(IfInet6Parser.Parse(b))),
        ("fib_trie", b => Summary(FibTrieParser.Parse(b))),
        ("route", b => Summary(RouteParser.Parse(b))),
        ("ipv6_route", b => Summary(Ipv6RouteParser.Parse(b))),
        ("arp", b => Summary(ArpParser.Parse(b))),
    ];

    /// <summary>Real lines cut, spliced and sprinkled with odd bytes: closer to what a broken kernel or a fuzzer would give than pure noise.</summary>
    private static readonly string[] Fragments =
        string.Concat(ProcNetSamples.Tcp, ProcNetSamples.Tcp6, ProcNetSamples.Unix, ProcNetSamples.Packet, ProcNetSamples.Netlink, ProcNetSamples.Dev,
            ProcNetSamples.IfInet6, ProcNetSamples.FibTrie, ProcNetSamples.Route, ProcNetSamples.Ipv6Route, ProcNetSamples.Arp)
        .Split(' ', '\t').Where(f => f.Length > 0).Concat(["\n", " ", ":", "\0", "\xff", "\u2028", "-1", "99999999999999999999999", "@"]).ToArray();

    [Fact]
    public void Random_bytes_never_throw()
    {
        Prop.ForAll<byte[]>(bytes => Check(bytes ?? [])).Check(Many);
    }

    [Fact]
    public void Spliced_kernel_text_never_throws()
    {
        var gen = Gen.ListOf(Gen.Elements(Fragments)).Select(parts => Encoding.Latin1.GetBytes(string.Join(" ", parts)));
        Prop.ForAll(gen.ToArbitrary(), Check).Check(Many);
    }

    [Fact]
    public void A_long_file_of_garbage_lists_a_bounded_number_of_unparsed_lines()
    {
        var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("x\n", 5000)));
        var table = InetSocketParser.Parse(bytes, "tcp", "tcp", 4);
        Assert.Equal(5000, table.UnparsedCount);
        Assert.Equal(ParsedTable<InetSocket>.MaxUnparsedListed, table.Unparsed.Count);
    }

    [Fact]
    public void An_unparsed_line_keeps_only_its_start()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('y', 100_000) + "\n");
        var unparsed = Assert.Single(ArpParser.Parse(bytes).Unparsed);
        Assert.Equal(UnparsedLine.MaxTextBytes, unparsed.Text.Bytes.Length);
    }

    private static bool Check(byte[] bytes)
    {
        int lines = bytes.Count(b => b == (byte)'\n') + 1;
        foreach (var (name, parse) in Parsers)
        {
            var (seen, entries, unparsed) = parse(bytes);
            if (seen > lines || unparsed.Any(l => l < 1 || l > seen) || entries > seen)
            {
                throw new InvalidOperationException($"{name}: {seen} lines, {entries} entries, unparsed at {string.Join(",", unparsed)}");
            }
        }
        return true;
    }

    private static (int, int, IEnumerable<int>) Summary<T>(ParsedTable<T> t) => (t.Lines, t.Entries.Count, t.Unparsed.Select(u => u.Line));
}
