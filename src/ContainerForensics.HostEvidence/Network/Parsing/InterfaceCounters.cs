namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One interface of /proc/net/dev: its name and the 16 counters (8 receive, 8 transmit).</summary>
internal sealed record InterfaceCounters
{
    /// <summary>The counter names in the kernel's column order (net/core/net-procfs.c dev_seq_printf_stats).</summary>
    public static readonly string[] CounterNames =
    [
        "rxBytes", "rxPackets", "rxErrors", "rxDropped", "rxFifo", "rxFrame", "rxCompressed", "rxMulticast",
        "txBytes", "txPackets", "txErrors", "txDropped", "txFifo", "txCollisions", "txCarrier", "txCompressed",
    ];

    public required int Line { get; init; }

    public required RawName Name { get; init; }

    /// <summary>In <see cref="CounterNames"/> order.</summary>
    public required ulong[] Counters { get; init; }
}
