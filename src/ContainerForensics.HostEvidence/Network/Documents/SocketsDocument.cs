using System.Globalization;
using System.Text.Json;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network.Documents;

/// <summary>
/// <c>sockets.json</c> and <c>sockets.txt</c>: every socket of the namespace, decoded from the
/// inet tables, unix, packet and netlink, each with the processes holding it (an empty
/// "owners" when none of the given processes does: a socket of a process outside the
/// container, or one already closed by its holders). The sockets the given processes hold that
/// no table of this namespace lists are reported apart: a socket from another namespace passed
/// into the container is exactly what an examiner wants to see.
/// </summary>
internal sealed class SocketsDocument
{
    /// <summary>The inet tables in the order they are listed: (file, protocol, IP version).</summary>
    public static readonly IReadOnlyList<(string File, string Protocol, int IpVersion)> InetFiles =
    [
        ("tcp", "tcp", 4), ("tcp6", "tcp", 6), ("udp", "udp", 4), ("udp6", "udp", 6),
        ("udplite", "udplite", 4), ("udplite6", "udplite", 6), ("raw", "raw", 4), ("raw6", "raw", 6),
        ("icmp", "icmp", 4), ("icmp6", "icmp", 6),
    ];

    private SocketsDocument(NetworkSnapshot snapshot)
    {
        Snapshot = snapshot;
        foreach (var (file, protocol, version) in InetFiles)
        {
            Inet.AddRange(snapshot.Parse(file, (c, cut) => InetSocketParser.Parse(c, file, protocol, version, cut), Sources).Entries);
        }
        Unix = snapshot.Parse("unix", UnixSocketParser.Parse, Sources).Entries;
        Packet = snapshot.Parse("packet", PacketSocketParser.Parse, Sources).Entries;
        Netlink = snapshot.Parse("netlink", NetlinkSocketParser.Parse, Sources).Entries;
        // if_inet6 is the one /proc file that pairs interface indexes with names (for interfaces with IPv6).
        foreach (var a in snapshot.Parse("if_inet6", IfInet6Parser.Parse, Sources).Entries)
        {
            InterfaceNames.TryAdd(a.InterfaceIndex, a.InterfaceName);
        }
        var listed = new HashSet<ulong>(Inet.Select(s => s.Inode).Concat(Unix.Select(s => s.Inode))
            .Concat(Packet.Select(s => s.Inode)).Concat(Netlink.Select(s => s.Inode)));
        NotListed = snapshot.Owners.Where(o => o.Key != 0 && !listed.Contains(o.Key)).OrderBy(o => o.Key)
            .Select(o => (o.Key, o.Value)).ToList();
    }

    public NetworkSnapshot Snapshot { get; }

    public List<SourceSummary> Sources { get; } = [];

    public List<InetSocket> Inet { get; } = [];

    public List<UnixSocket> Unix { get; }

    public List<PacketSocket> Packet { get; }

    public List<NetlinkSocket> Netlink { get; }

    public Dictionary<int, RawName> InterfaceNames { get; } = [];

    public List<(ulong Inode, IReadOnlyList<SocketOwner> Owners)> NotListed { get; }

    public static SocketsDocument From(NetworkSnapshot snapshot) => new(snapshot);

    public byte[] ToJson() => NetworkJson.Write(w =>
    {
        w.WriteStartObject();
        NetworkJson.WriteHeader(w, Snapshot, Sources);
        w.WriteStartArray("sockets");
        foreach (var s in Inet)
        {
            WriteInet(w, s);
        }
        foreach (var s in Unix)
        {
            WriteUnix(w, s);
        }
        foreach (var s in Packet)
        {
            WritePacket(w, s);
        }
        foreach (var s in Netlink)
        {
            WriteNetlink(w, s);
        }
        w.WriteEndArray();
        w.WriteStartArray("ownedSocketsNotListed");
        foreach (var (inode, owners) in NotListed)
        {
            w.WriteStartObject();
            w.WriteNumber("inode", inode);
            NetworkJson.Owners(w, owners);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public byte[] ToText() => SocketsTable.Render(this);

    public static string? IpProtocolName(int protocol) => protocol switch
    {
        1 => "icmp",
        2 => "igmp",
        4 => "ipip",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        132 => "sctp",
        136 => "udplite",
        255 => "raw",
        _ => null,
    };

    private void WriteInet(Utf8JsonWriter w, InetSocket s)
    {
        w.WriteStartObject();
        w.WriteString("protocol", s.Protocol);
        w.WriteNumber("ipVersion", s.IpVersion);
        w.WriteString("file", s.File);
        w.WriteNumber("line", s.Line);
        NetworkJson.Address(w, "localAddress", s.LocalAddress);
        if (s.Protocol == "raw")
        {
            // A raw socket's "port" in the table is the IP protocol it was opened for.
            w.WriteNumber("ipProtocol", s.LocalPort);
            NetworkJson.Optional(w, "ipProtocolName", IpProtocolName(s.LocalPort));
            NetworkJson.Address(w, "remoteAddress", s.RemoteAddress);
        }
        else
        {
            w.WriteNumber("localPort", s.LocalPort);
            NetworkJson.Address(w, "remoteAddress", s.RemoteAddress);
            w.WriteNumber("remotePort", s.RemotePort);
        }
        // A dual-stack socket talking IPv4 shows ::ffff:a.b.c.d; the plain IPv4 form beside it lets a search for a.b.c.d find it.
        if (s.LocalAddress.IsIPv4MappedToIPv6)
        {
            w.WriteString("localIpv4Mapped", s.LocalAddress.MapToIPv4().ToString());
        }
        if (s.RemoteAddress.IsIPv4MappedToIPv6)
        {
            w.WriteString("remoteIpv4Mapped", s.RemoteAddress.MapToIPv4().ToString());
        }
        w.WriteString("state", s.State);
        w.WriteNumber("stateCode", s.StateCode);
        w.WriteNumber("txQueue", s.TxQueue);
        w.WriteNumber("rxQueue", s.RxQueue);
        w.WriteNumber("uid", s.Uid);
        w.WriteNumber("inode", s.Inode);
        NetworkJson.Owners(w, Snapshot.OwnersOf(s.Inode));
        w.WriteEndObject();
    }

    private void WriteUnix(Utf8JsonWriter w, UnixSocket s)
    {
        w.WriteStartObject();
        w.WriteString("protocol", "unix");
        w.WriteString("file", "unix");
        w.WriteNumber("line", s.Line);
        w.WriteString("type", s.Type);
        w.WriteNumber("typeCode", s.TypeCode);
        w.WriteString("state", s.State);
        w.WriteNumber("stateCode", s.StateCode);
        w.WriteBoolean("listening", s.Listening);
        w.WriteString("flags", s.Flags.ToString("X8", CultureInfo.InvariantCulture));
        w.WriteNumber("refCount", s.RefCount);
        w.WriteNumber("inode", s.Inode);
        NetworkJson.Name(w, "path", s.Path);
        w.WriteBoolean("abstract", s.Abstract);
        if (s.ContinuationLines.Count > 0)
        {
            // The path held a newline: the kernel printed its rest on the following lines.
            w.WriteStartArray("pathContinuedOnLines");
            foreach (int l in s.ContinuationLines)
            {
                w.WriteNumberValue(l);
            }
            w.WriteEndArray();
        }
        NetworkJson.Owners(w, Snapshot.OwnersOf(s.Inode));
        w.WriteEndObject();
    }

    private void WritePacket(Utf8JsonWriter w, PacketSocket s)
    {
        w.WriteStartObject();
        w.WriteString("protocol", "packet");
        w.WriteString("file", "packet");
        w.WriteNumber("line", s.Line);
        w.WriteString("type", s.Type);
        w.WriteNumber("typeCode", s.TypeCode);
        w.WriteNumber("etherType", s.EtherType);
        NetworkJson.Optional(w, "etherTypeName", s.EtherTypeName);
        w.WriteNumber("interfaceIndex", s.InterfaceIndex);
        NetworkJson.Name(w, "interface", InterfaceNames.GetValueOrDefault(s.InterfaceIndex));
        w.WriteBoolean("running", s.Running);
        w.WriteNumber("receiveMemory", s.ReceiveMemory);
        w.WriteNumber("uid", s.Uid);
        w.WriteNumber("inode", s.Inode);
        NetworkJson.Owners(w, Snapshot.OwnersOf(s.Inode));
        w.WriteEndObject();
    }

    private void WriteNetlink(Utf8JsonWriter w, NetlinkSocket s)
    {
        w.WriteStartObject();
        w.WriteString("protocol", "netlink");
        w.WriteString("file", "netlink");
        w.WriteNumber("line", s.Line);
        w.WriteString("netlinkProtocol", s.Protocol);
        w.WriteNumber("netlinkProtocolNumber", s.ProtocolNumber);
        w.WriteNumber("portId", s.PortId);
        w.WriteNumber("groups", s.Groups);
        w.WriteNumber("drops", s.Drops);
        w.WriteNumber("inode", s.Inode);
        NetworkJson.Owners(w, Snapshot.OwnersOf(s.Inode));
        w.WriteEndObject();
    }
}
