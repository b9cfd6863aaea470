namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/unix (net/unix/af_unix.c unix_seq_show).</summary>
internal sealed record UnixSocket
{
    public required int Line { get; init; }

    public required uint RefCount { get; init; }

    /// <summary>The raw flags column; 0x10000 (__SO_ACCEPTCON) marks a listening socket.</summary>
    public required uint Flags { get; init; }

    public required int TypeCode { get; init; }

    /// <summary>STREAM, DGRAM, SEQPACKET (or UNKNOWN_0xNN).</summary>
    public required string Type { get; init; }

    public required int StateCode { get; init; }

    /// <summary>The socket state (include/uapi/linux/net.h socket_state): UNCONNECTED, CONNECTING, CONNECTED, DISCONNECTING, FREE.</summary>
    public required string State { get; init; }

    public bool Listening => (Flags & 0x10000) != 0;

    public required ulong Inode { get; init; }

    /// <summary>
    /// The bound name as the kernel prints it, bytes intact: a path, or "@name" for an abstract
    /// name (whose NUL bytes the kernel prints as '@'). Null when the socket has no name.
    /// A relative path bound as "@x" reads the same as an abstract name: the file cannot tell.
    /// </summary>
    public RawName? Path { get; init; }

    public bool Abstract => Path is { Bytes: [(byte)'@', ..] };

    /// <summary>Lines after this one that were taken as the rest of a path holding a newline.</summary>
    public IReadOnlyList<int> ContinuationLines { get; init; } = [];
}
