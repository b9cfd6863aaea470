namespace ContainerForensics.Core.FileSystem;

/// <summary>One name listed but not walked: its path relative to the walk root, and what lstat says of it now (null, with the errno, when it fails).</summary>
public sealed record UnwalkedName(byte[] RelativePath, FileStat? Stat, int? Errno);
