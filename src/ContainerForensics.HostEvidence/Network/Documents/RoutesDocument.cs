using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network.Documents;

/// <summary><c>routes.json</c>: the main IPv4 table (/proc/net/route) and the IPv6 routes (/proc/net/ipv6_route), flags decoded.</summary>
internal sealed class RoutesDocument
{
    private RoutesDocument(NetworkSnapshot snapshot)
    {
        Snapshot = snapshot;
        Ipv4 = snapshot.Parse("route", (c, cut) => RouteParser.Parse(c, cut), Sources).Entries;
        Ipv6 = snapshot.Parse("ipv6_route", Ipv6RouteParser.Parse, Sources).Entries;
    }

    public NetworkSnapshot Snapshot { get; }

    public List<SourceSummary> Sources { get; } = [];

    public List<Ipv4Route> Ipv4 { get; }

    public List<Ipv6Route> Ipv6 { get; }

    public static RoutesDocument From(NetworkSnapshot snapshot) => new(snapshot);

    public byte[] ToJson() => NetworkJson.Write(w =>
    {
        w.WriteStartObject();
        NetworkJson.WriteHeader(w, Snapshot, Sources);
        w.WriteStartArray("ipv4");
        foreach (var r in Ipv4)
        {
            w.WriteStartObject();
            NetworkJson.Name(w, "interface", r.Interface);
            NetworkJson.Address(w, "destination", r.Destination);
            NetworkJson.Address(w, "gateway", r.Gateway);
            NetworkJson.Address(w, "mask", r.Mask);
            if (r.PrefixLength is int n)
            {
                w.WriteNumber("prefixLength", n);
            }
            else
            {
                w.WriteNull("prefixLength");
            }
            NetworkJson.Strings(w, "flags", r.Flags);
            w.WriteNumber("flagsCode", r.FlagsCode);
            w.WriteNumber("refCount", r.RefCount);
            w.WriteNumber("use", r.Use);
            w.WriteNumber("metric", r.Metric);
            w.WriteNumber("mtu", r.Mtu);
            w.WriteNumber("window", r.Window);
            w.WriteNumber("irtt", r.Irtt);
            w.WriteNumber("line", r.Line);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("ipv6");
        foreach (var r in Ipv6)
        {
            w.WriteStartObject();
            NetworkJson.Name(w, "interface", r.Interface);
            NetworkJson.Address(w, "destination", r.Destination);
            w.WriteNumber("destinationPrefixLength", r.DestinationPrefixLength);
            NetworkJson.Address(w, "source", r.Source);
            w.WriteNumber("sourcePrefixLength", r.SourcePrefixLength);
            NetworkJson.Address(w, "nextHop", r.NextHop);
            w.WriteNumber("metric", r.Metric);
            w.WriteNumber("refCount", r.RefCount);
            w.WriteNumber("use", r.Use);
            NetworkJson.Strings(w, "flags", r.Flags);
            w.WriteNumber("flagsCode", r.FlagsCode);
            w.WriteNumber("line", r.Line);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });
}
