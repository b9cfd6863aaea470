using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// The hexadecimal address forms of /proc/net.
/// <list type="bullet">
/// <item><b>Socket tables and /proc/net/route</b> (tcp, udp, raw, route): the kernel prints the
/// address as it lies in memory, read as 32-bit integers: <c>%08X</c> of the <c>__be32</c> for
/// IPv4, four <c>%08X</c> of <c>s6_addr32[0..3]</c> for IPv6 (net/ipv4/tcp_ipv4.c
/// get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock). Each 32-bit word is therefore in the
/// <i>host's</i> byte order: 127.0.0.1 is <c>0100007F</c> on little-endian machines and
/// <c>7F000001</c> on big-endian ones. Ports are <c>%04X</c> of the number (ntohs applied).
/// We read the host's own /proc, so the host's byte order decodes it.</item>
/// <item><b>if_inet6 and ipv6_route</b> print the 16 bytes in network order (<c>%pi6</c>, or
/// each byte with <c>%02x</c>): no swapping.</item>
/// </list>
/// </summary>
internal static class ProcAddress
{
    /// <summary>"0100007F" (8 hex digits, one host-order word) → 127.0.0.1.</summary>
    public static bool TryParseIpv4Word(ReadOnlySpan<char> hex, bool littleEndian, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> bytes = stackalloc byte[4];
        if (hex.Length != 8 || !TryWord(hex, littleEndian, bytes))
        {
            return false;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>32 hex digits, four host-order words (socket tables) → an IPv6 address.</summary>
    public static bool TryParseIpv6Words(ReadOnlySpan<char> hex, bool littleEndian, out IPAddress address)
    {
        address = IPAddress.IPv6None;
        Span<byte> bytes = stackalloc byte[16];
        if (hex.Length != 32)
        {
            return false;
        }
        for (int w = 0; w < 4; w++)
        {
            if (!TryWord(hex.Slice(w * 8, 8), littleEndian, bytes.Slice(w * 4, 4)))
            {
                return false;
            }
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>32 hex digits in network byte order (if_inet6, ipv6_route) → an IPv6 address.</summary>
    public static bool TryParseIpv6Bytes(ReadOnlySpan<char> hex, out IPAddress address)
    {
        address = IPAddress.IPv6None;
        Span<byte> bytes = stackalloc byte[16];
        if (hex.Length != 32)
        {
            return false;
        }
        for (int i = 0; i < 16; i++)
        {
            if (!byte.TryParse(hex.Slice(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// "ADDR:PORT" of a socket table: 8 hex digits for <paramref name="family"/> IPv4, 32 for
    /// IPv6, then up to 4 hex digits of port.
    /// </summary>
    public static bool TryParseEndpoint(ReadOnlySpan<char> text, AddressFamily family, bool littleEndian, out IPAddress address, out int port)
    {
        port = 0;
        address = IPAddress.None;
        int colon = text.IndexOf(':');
        if (colon < 0 || text.Length - colon - 1 is < 1 or > 4 ||
            !int.TryParse(text[(colon + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }
        return family == AddressFamily.InterNetworkV6
            ? TryParseIpv6Words(text[..colon], littleEndian, out address)
            : TryParseIpv4Word(text[..colon], littleEndian, out address);
    }

    /// <summary>The kernel's form of an endpoint, for tests and for the format's documentation: the inverse of <see cref="TryParseEndpoint"/>.</summary>
    public static string FormatEndpoint(IPAddress address, int port, bool littleEndian)
    {
        byte[] bytes = address.GetAddressBytes();
        var words = new string[bytes.Length / 4];
        for (int w = 0; w < words.Length; w++)
        {
            var word = bytes.AsSpan(w * 4, 4);
            uint value = littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(word) : BinaryPrimitives.ReadUInt32BigEndian(word);
            words[w] = value.ToString("X8", CultureInfo.InvariantCulture);
        }
        return string.Concat(words) + ":" + port.ToString("X4", CultureInfo.InvariantCulture);
    }

    /// <summary>Strict dotted quad ("10.0.0.1"); IPAddress.TryParse would also take "10.1" and "0x7f.1".</summary>
    public static bool TryParseDottedQuad(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> bytes = stackalloc byte[4];
        int part = 0;
        foreach (var range in text.Split('.'))
        {
            var piece = text[range];
            if (part == 4 || piece.Length is < 1 or > 3 ||
                !byte.TryParse(piece, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[part]))
            {
                return false;
            }
            part++;
        }
        if (part != 4)
        {
            return false;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>The prefix length of a contiguous IPv4 netmask; null when the mask has holes.</summary>
    public static int? PrefixLength(IPAddress mask)
    {
        uint m = BinaryPrimitives.ReadUInt32BigEndian(mask.GetAddressBytes());
        int ones = System.Numerics.BitOperations.PopCount(m);
        uint expected = ones == 0 ? 0 : uint.MaxValue << (32 - ones);
        return m == expected ? ones : null;
    }

    /// <summary>Whether <paramref name="address"/> lies in <paramref name="network"/>/<paramref name="prefixLength"/> (same family).</summary>
    public static bool Contains(IPAddress network, int prefixLength, IPAddress address)
    {
        byte[] n = network.GetAddressBytes();
        byte[] a = address.GetAddressBytes();
        if (n.Length != a.Length || prefixLength < 0 || prefixLength > n.Length * 8)
        {
            return false;
        }
        int full = prefixLength / 8;
        if (!n.AsSpan(0, full).SequenceEqual(a.AsSpan(0, full)))
        {
            return false;
        }
        int rest = prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (n[full] & mask) == (a[full] & mask);
    }

    /// <summary>The text form written to evidence: "127.0.0.1", "::1", "::ffff:127.0.0.1".</summary>
    public static string Text(IPAddress address) => address.ToString();

    private static bool TryWord(ReadOnlySpan<char> hex8, bool littleEndian, Span<byte> destination)
    {
        if (!uint.TryParse(hex8, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
        {
            return false;
        }
        if (littleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        }
        return true;
    }
}
