using System.Collections.Concurrent;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// The executables already stored in this run, so that each is stored once however many
/// processes and containers run it. Thread-safe (containers are collected concurrently).
/// <list type="bullet">
/// <item>The same inode, unchanged (device, inode, size, mtime, ctime): the same file, not read again.</item>
/// <item>The same inode number, size, mtime and ctime on another device: on overlayfs every
/// container's mount has its own device, while a file of a shared image layer keeps the inode
/// of that layer (the kernel's overlayfs documentation, "Inode properties": same fs, real
/// st_ino). Fifty containers of one image run fifty copies of its binaries, 100 MB of
/// busybox on the bench. Such a file is only a candidate: it is read and hashed, and counts as
/// stored only when its sha256 is the stored one.</item>
/// </list>
/// </summary>
internal sealed class ExecutableStore
{
    private readonly ConcurrentDictionary<ExecutableKey, StoredExecutable> _byInode = new();
    private readonly ConcurrentDictionary<LayerFileKey, StoredExecutable> _byLayerFile = new();

    /// <summary>The copy of this very inode, unchanged since it was stored.</summary>
    public StoredExecutable? SameInode(FileStat stat) =>
        _byInode.TryGetValue(ExecutableKey.Of(stat), out var stored) ? stored : null;

    /// <summary>A copy of what looks like the same image file seen through another overlay mount; confirm by content before relying on it.</summary>
    public StoredExecutable? Candidate(FileStat stat) =>
        _byLayerFile.TryGetValue(LayerFileKey.Of(stat), out var stored) ? stored : null;

    public void Add(FileStat stat, StoredExecutable stored)
    {
        _byInode.TryAdd(ExecutableKey.Of(stat), stored);
        _byLayerFile.TryAdd(LayerFileKey.Of(stat), stored);
    }
}

/// <summary>What identifies an executable's content without reading it again: the same inode, unchanged.</summary>
internal readonly record struct ExecutableKey(ulong Device, ulong Inode, long Size, UnixTime? ModifiedTime, UnixTime? ChangeTime)
{
    public static ExecutableKey Of(FileStat stat) => new(stat.Device, stat.Inode, stat.Size, stat.ModifiedTime, stat.ChangeTime);
}

/// <summary>The same, less the device: a file of a shared lower layer as another overlay mount shows it.</summary>
internal readonly record struct LayerFileKey(ulong Inode, long Size, UnixTime? ModifiedTime, UnixTime? ChangeTime)
{
    public static LayerFileKey Of(FileStat stat) => new(stat.Inode, stat.Size, stat.ModifiedTime, stat.ChangeTime);
}

/// <summary>Where an executable went in the archive, and its digest.</summary>
internal sealed record StoredExecutable(string ArchivePath, string Sha256);
