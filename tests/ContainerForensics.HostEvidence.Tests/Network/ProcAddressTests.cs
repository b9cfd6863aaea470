using System.Net;
using System.Net.Sockets;
using ContainerForensics.HostEvidence.Network.Parsing;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class ProcAddressTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(2000);

    [Theory]
    [InlineData("0100007F:115C", "127.0.0.1", 4444)]
    [InlineData("00000000:0000", "0.0.0.0", 0)]
    [InlineData("3500007F:0035", "127.0.0.53", 53)]
    [InlineData("0202A8C0:FFFF", "192.168.2.2", 65535)]
    public void Ipv4_words_are_host_order_on_little_endian(string text, string address, int port)
    {
        Assert.True(ProcAddress.TryParseEndpoint(text, AddressFamily.InterNetwork, littleEndian: true, out var a, out int p));
        Assert.Equal(IPAddress.Parse(address), a);
        Assert.Equal(port, p);
    }

    [Theory]
    [InlineData("00000000000000000000000001000000:0277", "::1", 631)]
    [InlineData("0000000000000000FFFF00000100007F:115C", "::ffff:127.0.0.1", 4444)]
    [InlineData("00000000000000000000000000000000:0000", "::", 0)]
    [InlineData("B80D0120000000000000000001000000:01BB", "2001:db8::1", 443)]
    [InlineData("000080FE00000000FF00FC02050000FE:E4A2", "fe80::2fc:ff:fe00:5", 58530)]
    public void Ipv6_is_four_host_order_words(string text, string address, int port)
    {
        Assert.True(ProcAddress.TryParseEndpoint(text, AddressFamily.InterNetworkV6, littleEndian: true, out var a, out int p));
        Assert.Equal(IPAddress.Parse(address), a);
        Assert.Equal(address, ProcAddress.Text(a));
        Assert.Equal(port, p);
    }

    [Fact]
    public void Big_endian_hosts_print_the_words_the_other_way_round()
    {
        Assert.True(ProcAddress.TryParseEndpoint("7F000001:0016", AddressFamily.InterNetwork, littleEndian: false, out var a, out _));
        Assert.Equal(IPAddress.Loopback, a);
        Assert.True(ProcAddress.TryParseEndpoint("00000000000000000000000000000001:0016", AddressFamily.InterNetworkV6, littleEndian: false, out var b, out _));
        Assert.Equal(IPAddress.IPv6Loopback, b);
    }

    [Theory]
    [InlineData("0100007F", AddressFamily.InterNetwork)]                       // no port
    [InlineData("0100007F:", AddressFamily.InterNetwork)]
    [InlineData("0100007F:12345", AddressFamily.InterNetwork)]                 // five digits
    [InlineData("100007F:0016", AddressFamily.InterNetwork)]                   // seven digits
    [InlineData("0100007G:0016", AddressFamily.InterNetwork)]
    [InlineData("-100007F:0016", AddressFamily.InterNetwork)]
    [InlineData("0100007F:0016", AddressFamily.InterNetworkV6)]                // family mismatch
    [InlineData("00000000000000000000000001000000:0016", AddressFamily.InterNetwork)]
    [InlineData("0000000000000000000000000100000:0016", AddressFamily.InterNetworkV6)]
    [InlineData("", AddressFamily.InterNetwork)]
    public void Malformed_endpoints_are_refused(string text, AddressFamily family) =>
        Assert.False(ProcAddress.TryParseEndpoint(text, family, littleEndian: true, out _, out _));

    [Fact]
    public void Any_ipv4_endpoint_round_trips_in_either_byte_order()
    {
        Prop.ForAll<uint, ushort, bool>((raw, port, littleEndian) =>
        {
            var address = new IPAddress(BitConverter.GetBytes(raw));
            string text = ProcAddress.FormatEndpoint(address, port, littleEndian);
            return text.Length == 13 &&
                   ProcAddress.TryParseEndpoint(text, AddressFamily.InterNetwork, littleEndian, out var back, out int p) &&
                   back.Equals(address) && p == port;
        }).Check(Many);
    }

    [Fact]
    public void Any_ipv6_endpoint_round_trips_in_either_byte_order()
    {
        var bytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 16);
        var endpoints = Gen.Zip(bytes, Gen.Zip(Gen.Choose(0, 65535), Gen.Elements(true, false))).ToArbitrary();
        Prop.ForAll(endpoints, e =>
        {
            var (raw, (port, littleEndian)) = e;
            var address = new IPAddress(raw);
            string text = ProcAddress.FormatEndpoint(address, port, littleEndian);
            return text.Length == 37 &&
                   ProcAddress.TryParseEndpoint(text, AddressFamily.InterNetworkV6, littleEndian, out var back, out int p) &&
                   back.GetAddressBytes().AsSpan().SequenceEqual(raw) && p == port;
        }).Check(Many);
    }

    [Fact]
    public void The_kernel_form_of_a_mapped_address_decodes_to_the_mapped_text()
    {
        string text = ProcAddress.FormatEndpoint(IPAddress.Parse("::ffff:10.1.2.3"), 80, littleEndian: true);
        Assert.Equal("0000000000000000FFFF00000302010A:0050", text);
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("10.1", false)]
    [InlineData("0x7f.0.0.1", false)]
    [InlineData("256.0.0.1", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("1..2.3", false)]
    [InlineData("", false)]
    public void Dotted_quads_are_strict(string text, bool ok) => Assert.Equal(ok, ProcAddress.TryParseDottedQuad(text, out _));

    [Theory]
    [InlineData("255.255.255.0", 24)]
    [InlineData("0.0.0.0", 0)]
    [InlineData("255.255.255.255", 32)]
    [InlineData("255.0.255.0", null)]
    public void Netmasks_give_a_prefix_length_when_contiguous(string mask, int? expected) =>
        Assert.Equal(expected, ProcAddress.PrefixLength(IPAddress.Parse(mask)));

    [Theory]
    [InlineData("192.0.2.0", 24, "192.0.2.200", true)]
    [InlineData("192.0.2.0", 24, "192.0.3.1", false)]
    [InlineData("127.0.0.0", 8, "127.1.2.3", true)]
    [InlineData("10.0.0.0", 9, "10.127.0.1", true)]
    [InlineData("10.0.0.0", 9, "10.128.0.1", false)]
    [InlineData("0.0.0.0", 0, "8.8.8.8", true)]
    public void Prefix_containment(string network, int length, string address, bool inside) =>
        Assert.Equal(inside, ProcAddress.Contains(IPAddress.Parse(network), length, IPAddress.Parse(address)));
}
