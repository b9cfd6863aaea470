namespace ContainerForensics.Docker.Api;

/// <summary>One frame header: which stream, how many payload bytes, where it starts in the multiplexed stream.</summary>
public readonly record struct MultiplexedFrame(StdStream Stream, uint Length, long Offset);
