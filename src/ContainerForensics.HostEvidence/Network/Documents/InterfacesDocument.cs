using System.Net;
using System.Text.Json;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network.Documents;

/// <summary>
/// <c>interfaces.json</c>: the interfaces of the namespace with their counters (dev), IPv6
/// addresses (if_inet6) and IPv4 addresses (fib_trie).
/// <para>
/// /proc has no file pairing IPv4 addresses with interfaces: fib_trie lists each local address
/// as a "/32 host LOCAL" route without its device. The interface is therefore inferred, and the
/// document says how ("interfaceFrom"): "route" — the connected route of /proc/net/route
/// (gateway 0.0.0.0) whose prefix holds the address, longest prefix first; "loopback" — an
/// address in 127.0.0.0/8, which lives on lo; null when neither applies. The prefix length
/// comes from the longest LOCAL or link-scope UNICAST prefix of fib_trie holding the address.
/// </para>
/// </summary>
internal sealed class InterfacesDocument
{
    private InterfacesDocument(NetworkSnapshot snapshot)
    {
        Snapshot = snapshot;
        Counters = snapshot.Parse("dev", DevParser.Parse, Sources).Entries;
        Ipv6 = snapshot.Parse("if_inet6", IfInet6Parser.Parse, Sources).Entries;
        var fib = snapshot.Parse("fib_trie", FibTrieParser.Parse, Sources).Entries;
        var routes = snapshot.Parse("route", (c, cut) => RouteParser.Parse(c, cut), Sources).Entries;
        Ipv4 = LocalAddresses(fib, routes, Counters.Any(c => c.Name.Display == "lo") || Ipv6.Any(a => a.InterfaceName.Display == "lo"));
    }

    public NetworkSnapshot Snapshot { get; }

    public List<SourceSummary> Sources { get; } = [];

    public List<InterfaceCounters> Counters { get; }

    public List<InterfaceIpv6Address> Ipv6 { get; }

    public List<LocalIpv4Address> Ipv4 { get; }

    public static InterfacesDocument From(NetworkSnapshot snapshot) => new(snapshot);

    /// <summary>An IPv4 address of the namespace, with the interface as far as it can be inferred.</summary>
    public sealed record LocalIpv4Address(IPAddress Address, int? PrefixLength, RawName? Interface, string? InterfaceFrom, IReadOnlyList<string> Tables, int Line);

    public static List<LocalIpv4Address> LocalAddresses(IReadOnlyList<FibEntry> fib, IReadOnlyList<Ipv4Route> routes, bool haveLoopback)
    {
        var result = new List<LocalIpv4Address>();
        foreach (var group in fib.Where(e => e.IsLocalAddress).GroupBy(e => e.Prefix))
        {
            var address = group.Key;
            int? prefix = fib
                .Where(e => e.PrefixLength < 32 && (e.Type == "LOCAL" || (e.Type == "UNICAST" && e.Scope == "link")) &&
                            ProcAddress.Contains(e.Prefix, e.PrefixLength, address))
                .Select(e => (int?)e.PrefixLength).Max();
            var connected = routes
                .Where(r => r.Gateway.Equals(IPAddress.Any) && r.PrefixLength is int n && ProcAddress.Contains(r.Destination, n, address))
                .OrderByDescending(r => r.PrefixLength).FirstOrDefault();
            RawName? iface = connected?.Interface;
            string? from = connected is null ? null : "route";
            if (iface is null && haveLoopback && ProcAddress.Contains(IPAddress.Parse("127.0.0.0"), 8, address))
            {
                iface = RawName.FromLatin1("lo");
                from = "loopback";
            }
            result.Add(new LocalIpv4Address(address, prefix, iface, from, group.Select(e => e.Table).Distinct().ToList(), group.First().Line));
        }
        return result;
    }

    public byte[] ToJson() => NetworkJson.Write(w =>
    {
        w.WriteStartObject();
        NetworkJson.WriteHeader(w, Snapshot, Sources);
        // Interfaces in the order dev lists them, then any that only if_inet6 or an inferred IPv4 address names.
        var names = Counters.Select(c => c.Name)
            .Concat(Ipv6.Select(a => a.InterfaceName))
            .Concat(Ipv4.Where(a => a.Interface is not null).Select(a => a.Interface!))
            .DistinctBy(n => Convert.ToBase64String(n.Bytes)).ToList();
        w.WriteStartArray("interfaces");
        foreach (var name in names)
        {
            WriteInterface(w, name);
        }
        w.WriteEndArray();
        w.WriteStartArray("ipv4Addresses");
        foreach (var a in Ipv4)
        {
            WriteIpv4(w, a, withInterface: true);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private void WriteInterface(Utf8JsonWriter w, RawName name)
    {
        var counters = Counters.FirstOrDefault(c => c.Name.Bytes.AsSpan().SequenceEqual(name.Bytes));
        var v6 = Ipv6.Where(a => a.InterfaceName.Bytes.AsSpan().SequenceEqual(name.Bytes)).ToList();
        var v4 = Ipv4.Where(a => a.Interface is not null && a.Interface.Bytes.AsSpan().SequenceEqual(name.Bytes)).ToList();
        w.WriteStartObject();
        NetworkJson.Name(w, "name", name);
        if (v6.Count > 0)
        {
            w.WriteNumber("index", v6[0].InterfaceIndex);
        }
        else
        {
            w.WriteNull("index");  // only if_inet6 tells indexes, for interfaces with IPv6
        }
        if (counters is null)
        {
            w.WriteNull("devLine");
        }
        else
        {
            w.WriteNumber("devLine", counters.Line);
            for (int i = 0; i < InterfaceCounters.CounterNames.Length; i++)
            {
                w.WriteNumber(InterfaceCounters.CounterNames[i], counters.Counters[i]);
            }
        }
        w.WriteStartArray("ipv4");
        foreach (var a in v4)
        {
            WriteIpv4(w, a, withInterface: false);
        }
        w.WriteEndArray();
        w.WriteStartArray("ipv6");
        foreach (var a in v6)
        {
            w.WriteStartObject();
            NetworkJson.Address(w, "address", a.Address);
            w.WriteNumber("prefixLength", a.PrefixLength);
            w.WriteString("scope", a.Scope);
            w.WriteNumber("scopeCode", a.ScopeCode);
            NetworkJson.Strings(w, "flags", a.Flags);
            w.WriteNumber("flagsCode", a.FlagsCode);
            w.WriteNumber("line", a.Line);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteIpv4(Utf8JsonWriter w, LocalIpv4Address a, bool withInterface)
    {
        w.WriteStartObject();
        NetworkJson.Address(w, "address", a.Address);
        if (a.PrefixLength is int n)
        {
            w.WriteNumber("prefixLength", n);
        }
        else
        {
            w.WriteNull("prefixLength");
        }
        if (withInterface)
        {
            NetworkJson.Name(w, "interface", a.Interface);
        }
        NetworkJson.Optional(w, "interfaceFrom", a.InterfaceFrom);
        NetworkJson.Strings(w, "tables", a.Tables);
        w.WriteNumber("line", a.Line);
        w.WriteEndObject();
    }
}
