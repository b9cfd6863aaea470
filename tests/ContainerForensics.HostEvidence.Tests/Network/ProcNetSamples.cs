using System.Text;

namespace ContainerForensics.HostEvidence.Tests.Network;

/// <summary>
/// /proc/net files as real kernels print them (6.x, x86-64, little-endian), captured from this
/// project's rig and from a Docker container with --network none, plus lines written the way
/// the kernel's format strings would for the cases a live system rarely shows.
/// </summary>
internal static class ProcNetSamples
{
    public const string Tcp =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n" +
        "   0: 0100007F:969F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 88321 1 00000000ee735c51 100 0 0 10 0                     \n" +
        "   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1461 1 000000001218aeea 100 0 0 10 0                      \n" +
        "   2: 0100007F:C9DE 0100007F:115C 01 00000000:00000000 00:00000000 00000000     0        0 451130 1 00000000cdaba89f 20 0 0 10 -1                    \n" +
        "   3: 0200000A:0016 0100000A:D431 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n";

    public const string Tcp6 =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
        "   0: 00000000000000000000000000000000:115C 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 451097 1 00000000b4b03608 100 0 0 10 0\n" +
        "   1: 0000000000000000FFFF00000100007F:115C 0000000000000000FFFF00000100007F:C9DE 01 00000000:00000000 00:00000000 00000000     0        0 451098 1 000000005fea3247 20 0 0 10 -1\n" +
        "   2: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000010 00:00000000 00000000   123        0 9999 1 0000000000000000 100 0 0 10 0\n" +
        "   3: B80D0120000000000000000001000000:01BB 000080FE00000000FF00FC02050000FE:E4A2 01 00000100:00000000 01:00000014 00000000  1000        0 7777 1 0000000000000000 20 4 30 10 -1\n";

    public const string Udp =
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            \n" +
        "  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 20634 2 0000000000000000 0          \n" +
        "  456: 0100007F:A1B2 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 33333 2 0000000000000000 0\n";

    public const string Raw =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
        "   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 44444 2 0000000000000000 0\n";

    public const string Unix =
        "Num       RefCount Protocol Flags    Type St Inode Path\n" +
        "00000000da631e2d: 00000002 00000000 00010000 0001 01 351676 /run/containerd/s/ae7c1571c34eb895\n" +
        "00000000eba54644: 00000003 00000000 00000000 0001 03 352389 /run/containerd/s/ae7c1571c34eb895\n" +
        "0000000052ae7ed0: 00000003 00000000 00000000 0001 03 88508\n" +
        "0000000000000000: 00000002 00000000 00000000 0002 01 12345 @/tmp/.X11-unix/X0\n" +
        "0000000000000000: 00000002 00000000 00000000 0005 01  1234 @abc@def\n" +
        "0000000000000000: 00000002 00000000 00010000 0001 01 55555 /tmp/my sock  \n" +
        "0000000000000000: 00000002 00000000 00000000 0002 01 66666 @00012\n";

    public const string Packet =
        "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n" +
        "0000000000000000 3      3    0003   4     1 0      0      34567 \n" +
        "0000000000000000 3      2    0800   0     1 0      1000   34568 \n";

    public const string Netlink =
        "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n" +
        "00000000b8e8f5f0 0   0          00000000 0        0        0     2        0        4       \n" +
        "00000000ebd5dab1 4   0          00000000 0        0        0     2        0        1435    \n" +
        "0000000000000000 0   4242       00000551 0        0        0     2        0        8888    \n";

    public const string Dev =
        "Inter-|   Receive                                                |  Transmit\n" +
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
        "    lo: 8878754    5250    0    0    0     0          0         0  8878754    5250    0    0    0     0       0          0\n" +
        "  eth0: 123456789  98765    1    2    3     4          5         6  987654321  56789    7    8    9    10      11         12\n";

    public const string IfInet6 =
        "fd000000000000000000000000000002 04 40 00 82     eth0\n" +
        "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n" +
        "00000000000000000000000000000001 01 80 10 80       lo\n";

    public const string FibTrie =
        "Main:\n" +
        "  +-- 0.0.0.0/0 3 0 5\n" +
        "     |-- 0.0.0.0\n" +
        "        /0 universe UNICAST\n" +
        "     +-- 127.0.0.0/8 2 0 2\n" +
        "        +-- 127.0.0.0/31 1 0 0\n" +
        "           |-- 127.0.0.0\n" +
        "              /8 host LOCAL\n" +
        "           |-- 127.0.0.1\n" +
        "              /32 host LOCAL\n" +
        "        |-- 127.255.255.255\n" +
        "           /32 link BROADCAST\n" +
        "     +-- 192.0.2.0/24 2 0 2\n" +
        "        +-- 192.0.2.0/30 2 0 2\n" +
        "           |-- 192.0.2.0\n" +
        "              /24 link UNICAST\n" +
        "           |-- 192.0.2.2\n" +
        "              /32 host LOCAL\n" +
        "        |-- 192.0.2.255\n" +
        "           /32 link BROADCAST\n" +
        "Local:\n" +
        "  +-- 0.0.0.0/0 3 0 5\n" +
        "     |-- 0.0.0.0\n" +
        "        /0 universe UNICAST\n" +
        "     +-- 127.0.0.0/8 2 0 2\n" +
        "        +-- 127.0.0.0/31 1 0 0\n" +
        "           |-- 127.0.0.0\n" +
        "              /8 host LOCAL\n" +
        "           |-- 127.0.0.1\n" +
        "              /32 host LOCAL\n" +
        "        |-- 127.255.255.255\n" +
        "           /32 link BROADCAST\n" +
        "     +-- 192.0.2.0/24 2 0 2\n" +
        "        +-- 192.0.2.0/30 2 0 2\n" +
        "           |-- 192.0.2.0\n" +
        "              /24 link UNICAST\n" +
        "           |-- 192.0.2.2\n" +
        "              /32 host LOCAL\n" +
        "        |-- 192.0.2.255\n" +
        "           /32 link BROADCAST\n";

    public const string Route =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT                                                       \n" +
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0                                                                               \n" +
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0                                                                               \n";

    public const string Ipv6Route =
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n" +
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";

    public const string Arp =
        "IP address       HW type     Flags       HW address            Mask     Device\n" +
        "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n" +
        "192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0\n";

    public static ReadOnlyMemory<byte> Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
