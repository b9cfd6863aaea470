namespace ContainerForensics.HostEvidence.Network;

/// <summary>The seams of the network collection: where /proc is, how much of a file is decoded, the clock.</summary>
internal sealed record NetworkCollectionSettings
{
    /// <summary>The proc filesystem to read; tests point it at a directory of planted files.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>
    /// How many bytes of one /proc/net file are held in memory and decoded (64 MiB: some
    /// 400,000 TCP sockets). A larger file is still archived whole, read a second time.
    /// </summary>
    public int MaxDecodedBytes { get; init; } = 64 * 1024 * 1024;

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
