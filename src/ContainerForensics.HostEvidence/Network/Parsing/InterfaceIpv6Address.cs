using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/if_inet6 (net/ipv6/addrconf.c if6_seq_show).</summary>
internal sealed record InterfaceIpv6Address
{
    public required int Line { get; init; }

    public required IPAddress Address { get; init; }

    public required int InterfaceIndex { get; init; }

    public required int PrefixLength { get; init; }

    /// <summary>The scope bits: 0x00 global, 0x10 host (loopback), 0x20 link, 0x40 site, 0x80 compat v4.</summary>
    public required int ScopeCode { get; init; }

    public string Scope => (ScopeCode & 0xF0) switch
    {
        0x00 => "global",
        0x10 => "host",
        0x20 => "link",
        0x40 => "site",
        0x80 => "compat-v4",
        _ => SocketStates.Unknown(ScopeCode),
    };

    /// <summary>IFA_F_* flags, low byte as printed.</summary>
    public required int FlagsCode { get; init; }

    public IReadOnlyList<string> Flags => FlagNames.Where(f => (FlagsCode & f.Bit) != 0).Select(f => f.Name).ToList();

    public required RawName InterfaceName { get; init; }

    private static readonly (int Bit, string Name)[] FlagNames =
    [
        (0x01, "secondary"), (0x02, "nodad"), (0x04, "optimistic"), (0x08, "dadfailed"),
        (0x10, "homeaddress"), (0x20, "deprecated"), (0x40, "tentative"), (0x80, "permanent"),
    ];
}
