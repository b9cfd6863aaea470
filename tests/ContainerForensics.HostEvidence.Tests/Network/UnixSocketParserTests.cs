using System.Text;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class UnixSocketParserTests
{
    [Fact]
    public void Reads_paths_abstract_names_unnamed_sockets_types_and_listeners()
    {
        var table = UnixSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Unix));
        Assert.Empty(table.Unparsed);
        Assert.Equal(7, table.Entries.Count);

        var listener = table.Entries[0];
        Assert.Equal(("STREAM", "UNCONNECTED", true, 351676UL), (listener.Type, listener.State, listener.Listening, listener.Inode));
        Assert.Equal("/run/containerd/s/ae7c1571c34eb895", listener.Path!.Display);
        Assert.False(listener.Abstract);

        Assert.Equal(("CONNECTED", false), (table.Entries[1].State, table.Entries[1].Listening));
        Assert.Null(table.Entries[2].Path);

        var x11 = table.Entries[3];
        Assert.Equal(("DGRAM", "@/tmp/.X11-unix/X0", true), (x11.Type, x11.Path!.Display, x11.Abstract));

        // An abstract name with NUL bytes inside: the kernel prints each NUL as '@'.
        var seq = table.Entries[4];
        Assert.Equal(("SEQPACKET", "@abc@def", 1234UL), (seq.Type, seq.Path!.Display, seq.Inode));

        // Spaces, even trailing ones, are part of the path.
        Assert.Equal("/tmp/my sock  ", table.Entries[5].Path!.Display);
        Assert.True(table.Entries[5].Path!.IsPlain);

        // Autobind: '@' and five hex digits.
        Assert.Equal("@00012", table.Entries[6].Path!.Display);
    }

    [Fact]
    public void A_path_with_bytes_that_are_not_utf8_keeps_them_and_escapes_its_display()
    {
        byte[] line = [.. Encoding.ASCII.GetBytes("0000000000000000: 00000002 00000000 00000000 0001 01 777 /tmp/\xff"[..^1]), 0xFF, 0x1B, (byte)'[', (byte)'2', (byte)'J', (byte)'\n'];
        var socket = Assert.Single(UnixSocketParser.Parse(line).Entries);
        Assert.Equal([.. "/tmp/"u8, 0xFF, 0x1B, .. "[2J"u8], socket.Path!.Bytes);
        Assert.Equal(@"/tmp/\xFF\x1B[2J", socket.Path.Display);
        Assert.False(socket.Path.IsPlain);
        Assert.Equal(Convert.ToBase64String(socket.Path.Bytes), socket.Path.Base64);
    }

    [Fact]
    public void A_path_holding_a_newline_continues_on_the_next_line_and_is_noted()
    {
        string text =
            "Num       RefCount Protocol Flags    Type St Inode Path\n" +
            "0000000000000000: 00000002 00000000 00010000 0001 01 100 /tmp/evil\n" +
            "second part\n" +
            "0000000000000000: 00000002 00000000 00000000 0001 01 101 @x\n";
        var table = UnixSocketParser.Parse(ProcNetSamples.Bytes(text));
        Assert.Empty(table.Unparsed);
        Assert.Equal(2, table.Entries.Count);
        Assert.Equal("/tmp/evil\nsecond part"u8.ToArray(), table.Entries[0].Path!.Bytes);
        Assert.Equal(@"/tmp/evil\x0Asecond part", table.Entries[0].Path!.Display);
        Assert.Equal([3], table.Entries[0].ContinuationLines);
        Assert.Equal(101UL, table.Entries[1].Inode);
    }

    [Fact]
    public void Malformed_lines_are_recorded_with_their_number()
    {
        string text =
            "Num       RefCount Protocol Flags    Type St Inode Path\n" +
            "0000000000000000: 00000002 00000000 00000000 0001 03 100\n" +
            "not an entry\n" +
            "0000000000000000 00000002 00000000 00000000 0001 03 101\n" +
            "0000000000000000: 00000002 00000000 00000000 0001 03 x102\n" +
            "0000000000000000: 00000002 00000000 00000000 0007 09 103\n";
        var table = UnixSocketParser.Parse(ProcNetSamples.Bytes(text));
        Assert.Equal([100UL, 103UL], table.Entries.Select(e => e.Inode));
        Assert.Equal([3, 4, 5], table.Unparsed.Select(u => u.Line));
        Assert.Equal(("UNKNOWN_0x07", "UNKNOWN_0x09"), (table.Entries[1].Type, table.Entries[1].State));
    }
}
