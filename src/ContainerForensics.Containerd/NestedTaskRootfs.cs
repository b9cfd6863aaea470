using System.Globalization;
using System.Text;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Host.Processes;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd;

/// <summary>
/// The merged tree of a running task of a nested containerd (a kind node's): the rootfs its shim
/// mounted in the node's mount namespace, <c>&lt;state&gt;/io.containerd.runtime.v2.task/&lt;ns&gt;/&lt;id&gt;/rootfs</c>,
/// reached from here beneath the node's root (<see cref="RuntimeLocality.PathRoot"/>). The same
/// source as on the host, for the same reasons (not <c>/proc/PID/root</c>: that is the container's
/// own mount namespace, with its /proc, /sys and volumes), proven the same way, but with nothing
/// taken on the nested daemon's word:
/// <list type="number">
/// <item>the mount point is looked up in the node's own <c>/proc/&lt;daemon pid&gt;/mountinfo</c> (paths
/// there are relative to the node's root, which is where they are opened); every mount point
/// with the task's ending is a candidate, the topmost first;</item>
/// <item>it is opened beneath the node's root one segment at a time, no symbolic link followed and
/// <c>..</c> refused (<see cref="SafeTreeWalker.OpenBeneath"/>): the ids in the path are the nested
/// daemon's words and the node's mounts are whatever its processes made them;</item>
/// <item>the directory opened (its descriptor, not its name again) must have the device and
/// inode of the root of the task's init, <c>/proc/&lt;host pid&gt;/root</c>, the pid containerd
/// reports translated to this host's through NSpid (<see cref="HostPidTranslator"/>). A planted
/// mount or a lying daemon can then lead only to the root of a process of the node, which is what
/// that process sees as its filesystem, never to a host file beside the node.</item>
/// </list>
/// Anything missing on the way is a reason, and the collector falls back to the writable layer.
/// </summary>
internal static class NestedTaskRootfs
{
    private const string TaskStateFolder = "io.containerd.runtime.v2.task";

    /// <summary>The opened, verified walk root, its path in the node and why it is the task's rootfs; or only why not.</summary>
    public static (SafeTreeWalker? Walker, string? Path, string Why) Open(RuntimeLocality locality, string ns, string id, int runtimePid, string procRoot = "/proc")
    {
        ArgumentNullException.ThrowIfNull(locality);
        if (locality.PathRoot is not { } root || locality.DaemonPid is not { } daemon)
        {
            return (null, null, $"containerd is {locality.Describe()}: it has no root to read its mounts beneath");
        }
        string daemonText = daemon.ToString(CultureInfo.InvariantCulture);
        var translation = new HostPidTranslator(procRoot).Translate(locality, runtimePid);
        if (translation.HostPid is not { } hostPid)
        {
            return (null, null, $"the task's init cannot be found on this host: {translation.How}");
        }
        string hostText = hostPid.ToString(CultureInfo.InvariantCulture);

        string suffix = $"/{TaskStateFolder}/{ns}/{id}/rootfs";
        string mountinfo = $"{procRoot}/{daemonText}/mountinfo";
        List<string> mountPoints;
        try
        {
            mountPoints = ContainerdFilesystemCollector.FindMountPoints(suffix, mountinfo);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, null, $"the node's mounts cannot be read ({mountinfo}): {ex.Message}");
        }
        if (mountPoints.Count == 0)
        {
            return (null, null, $"no mount point ending in {suffix} in the node's {mountinfo}");
        }
        string initRoot = $"{procRoot}/{hostText}/root";
        var initStat = HostFile.Stat(Encoding.UTF8.GetBytes(initRoot), out int errno);
        if (initStat is null)
        {
            return (null, null, $"cannot stat {initRoot}, the root of the task's init (errno {errno.ToString(CultureInfo.InvariantCulture)})");
        }
        // The node's mount table is its processes' to fill: a mount planted at a path with the same
        // ending is tried and refused like any other, and the shim's mount is still found.
        var refused = new List<string>();
        foreach (string mountPoint in Enumerable.Reverse(mountPoints))
        {
            if (!mountPoint.StartsWith('/'))
            {
                refused.Add($"'{mountPoint}' is not an absolute path");
                continue;
            }
            SafeTreeWalker walker;
            try
            {
                walker = SafeTreeWalker.OpenBeneath(Encoding.UTF8.GetBytes(root), Encoding.UTF8.GetBytes(mountPoint.TrimStart('/')));
            }
            catch (IOException ex)
            {
                refused.Add($"{mountPoint} cannot be opened beneath the node's root: {ex.Message}");
                continue;
            }
            // Compared with the directory that was opened (its descriptor's statx), so a rename or
            // a mount made after the comparison cannot change what is walked.
            if (!initStat.IsSameFile(walker.RootStat))
            {
                walker.Dispose();
                refused.Add($"{mountPoint} is not the root of the task's init (host pid {hostText}): device/inode differ");
                continue;
            }
            string others = refused.Count == 0 ? "" : $"; other mount points with that ending refused: {string.Join("; ", refused)}";
            return (walker, mountPoint,
                $"the running task's rootfs, mounted by its shim at {mountPoint} in the node's mount namespace (found in {mountinfo}); " +
                $"verified to be the root of the task's init ({translation.How}: same device and inode as {initRoot}); " +
                $"read beneath the node's root {root}, no symbolic link followed{others}");
        }
        return (null, null, $"no mount point ending in {suffix} in the node's {mountinfo} is the task's root: {string.Join("; ", refused)}");
    }
}
