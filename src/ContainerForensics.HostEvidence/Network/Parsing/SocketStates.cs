using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// The "st" column of the inet socket tables: the kernel's TCP state numbers
/// (include/net/tcp_states.h), also used by UDP, raw and ping sockets, where 01 means
/// connected and 07 (TCP_CLOSE) means not connected, which ss shows as UNCONN.
/// </summary>
internal static class SocketStates
{
    public static string Tcp(int code) => code switch
    {
        0x01 => "ESTABLISHED",
        0x02 => "SYN_SENT",
        0x03 => "SYN_RECV",
        0x04 => "FIN_WAIT1",
        0x05 => "FIN_WAIT2",
        0x06 => "TIME_WAIT",
        0x07 => "CLOSE",
        0x08 => "CLOSE_WAIT",
        0x09 => "LAST_ACK",
        0x0A => "LISTEN",
        0x0B => "CLOSING",
        0x0C => "NEW_SYN_RECV",
        0x0D => "BOUND_INACTIVE",
        _ => Unknown(code),
    };

    /// <summary>UDP, UDP-Lite, raw and ping sockets.</summary>
    public static string Datagram(int code) => code switch
    {
        0x01 => "ESTABLISHED",
        0x07 => "UNCONNECTED",
        _ => Tcp(code),
    };

    /// <summary>ss's short forms, for the plain table.</summary>
    public static string Short(string state) => state switch
    {
        "ESTABLISHED" => "ESTAB",
        "UNCONNECTED" => "UNCONN",
        "FIN_WAIT1" => "FIN-WAIT-1",
        "FIN_WAIT2" => "FIN-WAIT-2",
        "TIME_WAIT" => "TIME-WAIT",
        "CLOSE_WAIT" => "CLOSE-WAIT",
        "LAST_ACK" => "LAST-ACK",
        "SYN_SENT" => "SYN-SENT",
        "SYN_RECV" or "NEW_SYN_RECV" => "SYN-RECV",
        "CLOSE" => "UNCONN",
        _ => state,
    };

    /// <summary>A number the kernel used that this table does not know: kept, never guessed.</summary>
    public static string Unknown(int code) => "UNKNOWN_0x" + code.ToString("X2", CultureInfo.InvariantCulture);
}
