namespace ContainerForensics.Docker.Api;

/// <summary>The stream type byte of a multiplexed frame.</summary>
public enum StdStream : byte
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}
