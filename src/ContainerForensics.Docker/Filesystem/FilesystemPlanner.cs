using ContainerForensics.Core.FileSystem.Trees;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// Chooses the fastest correct source for each part of the filesystem phase, and says why in
/// the <see cref="FilesystemSourceRecord"/>:
/// <list type="bullet">
/// <item>changed: the overlay upper directory, walked on the host; else the API (/changes with
/// /archive per path on Docker, with one filtered /export on Podman).</item>
/// <item>full: the mounted overlay merged directory of a running container; else /export.</item>
/// <item>volumes: each volume's host directory; else /archive of its mount point.</item>
/// </list>
/// A host path is used only when it can be opened here now: the walk root is opened while
/// planning (through <see cref="HostPathAccess"/>: a nested daemon's beneath its root, no link
/// followed), so a path that exists only on a remote daemon's machine, in another mount
/// namespace, or behind a link planted in a nested daemon's container, falls back to the API
/// before anything is collected.
/// </summary>
internal sealed class FilesystemPlanner(DockerClient client, HostPathAccess hostPaths)
{
    private const string DirectRead = "reads the host files directly (byte-exact names, xattrs, nanosecond times), no daemon round trip";

    /// <summary>
    /// Up to this many /archive calls the per-path source is used on Docker; beyond, one filtered
    /// /export. A call costs 50–110 ms on Docker 20.10 (measured on the rig) whatever the file's
    /// size; an export streams at disk speed (the busybox test container: 80 ms). 32 calls are
    /// about as long as exporting a few hundred MB.
    /// </summary>
    internal const int MaxArchiveCalls = 32;

    public async Task<IFilesystemSource> PlanChangedAsync(string containerId, GraphDriver? driver, IReadOnlyList<ContainerMount> mounts, CaptureLimits limits, FilesystemSourceRecord record, CancellationToken cancellationToken)
    {
        string? notOverlay = WhyNotOverlay(driver) ?? (driver!.UpperDir is null ? $"GraphDriver {driver.Name} names no UpperDir" : null);
        var (walker, notHere) = Open(driver?.UpperDir, notOverlay);
        if (walker is not null && driver is not null)
        {
            record.Source = "overlay upperdir";
            record.Path = driver.UpperDir;
            record.ReadBeneath = hostPaths.Root;
            record.Why = $"GraphDriver {driver.Name} with a readable UpperDir: {DirectRead}; whiteouts and opaque directories as overlayfs keeps them{hostPaths.How}";
            var collector = new HostTreeCollector
            {
                Section = EvidenceSection.FilesystemChanged,
                RootRawPath = "/"u8.ToArray(),
                Overlay = driver.LowerDirs,
                OverlayRoot = hostPaths.Root,
                Description = "overlay upperdir " + hostPaths.Show(driver.UpperDir!),
                Limits = limits,
            };
            return new WalkSource(record.Source, hostPaths.Show(driver.UpperDir!), walker, collector);
        }
        // The list decides between the two API sources, so it is read now (a cheap call).
        var changes = ContainerChange.ParseList(await client.ContainerFiles.ChangesRawAsync(containerId, cancellationToken).ConfigureAwait(false));
        var mountPoints = mounts.Where(m => !string.IsNullOrEmpty(m.Destination)).Select(m => ContainerPath.FromApi(m.Destination!.TrimEnd('/'))).ToList();
        int calls = ArchiveChangesSource.Plan(changes, mountPoints).Count(s => s.Change.Kind != ChangeKind.Deleted);
        string listed = $"/changes lists {changes.Count} paths";
        IFilesystemSource api;
        string how;
        if (client.ServerVersion.IsPodman)
        {
            api = new ExportChangesSource(client, containerId, changes, mountPoints, limits);
            how = $"{listed}; Podman's /archive follows a final symlink, so they are picked out of one /export stream";
        }
        else if (calls <= MaxArchiveCalls)
        {
            api = new ArchiveChangesSource(client, containerId, changes, mountPoints, limits);
            how = $"{listed}; {calls} fetched one by one with /archive (a symlink as the link)";
        }
        else
        {
            api = new ExportChangesSource(client, containerId, changes, mountPoints, limits);
            how = $"{listed}; {calls} /archive calls (50–110 ms each) would be slower than picking them out of one /export stream";
        }
        record.Source = api.Name;
        record.Path = api.Path;
        record.Why = notHere + "; " + how;
        return api;
    }

    public IFilesystemSource PlanFull(string containerId, string? state, GraphDriver? driver, CaptureLimits limits, FilesystemSourceRecord record)
    {
        // The state first: a stopped container's MergedDir is unmounted, and Podman does not even name it then.
        string? notHere = WhyNotOverlay(driver);
        if (notHere is null && state is not ("running" or "paused"))
        {
            notHere = $"the container is {state ?? "in an unknown state"}: its MergedDir is mounted only while it runs";
        }
        if (notHere is null && driver!.MergedDir is null)
        {
            notHere = $"GraphDriver {driver.Name} names no MergedDir";
        }
        (var walker, notHere) = Open(driver?.MergedDir, notHere);
        if (walker is not null && !IsMountPoint(walker, driver!.MergedDir!, out string? why))
        {
            walker.Dispose();
            (walker, notHere) = (null, why!);
        }
        if (walker is not null && driver is not null)
        {
            record.Source = "overlay mergeddir";
            record.Path = driver.MergedDir;
            record.ReadBeneath = hostPaths.Root;
            record.Why = $"the container is {state} and its overlay root is mounted at MergedDir: {DirectRead}{hostPaths.How}";
            var collector = new HostTreeCollector
            {
                Section = EvidenceSection.FilesystemFull,
                RootRawPath = "/"u8.ToArray(),
                Description = "overlay mergeddir " + hostPaths.Show(driver.MergedDir!),
                Limits = limits,
            };
            return new WalkSource(record.Source, hostPaths.Show(driver.MergedDir!), walker, collector);
        }
        var export = new ExportSource(client, containerId, limits);
        record.Source = export.Name;
        record.Path = export.Path;
        record.Why = notHere + "; /export streams the whole filesystem (the engine mounts it for the read), repacked entry by entry";
        return export;
    }

    /// <summary>
    /// With the whole filesystem from /export: where its sockets come from, which the export
    /// leaves out. The upper directory when it can be read here; else null, and the record says
    /// that a socket of the container has no entry.
    /// </summary>
    public IFilesystemSource? PlanExportSockets(GraphDriver? driver, CaptureLimits limits, FilesystemSourceRecord record)
    {
        const string Omitted = "/export has no sockets (the engine's tar writer skips them)";
        var (walker, notHere) = Open(driver?.UpperDir, WhyNotOverlay(driver) ?? (driver!.UpperDir is null ? $"GraphDriver {driver.Name} names no UpperDir" : null));
        if (walker is null)
        {
            record.Notes.Add($"{Omitted}, and the overlay upper directory cannot be read here ({notHere}): a socket in the container has no entry");
            return null;
        }
        record.ReadBeneath = hostPaths.Root;
        record.Notes.Add($"{Omitted}: the sockets are taken from the overlay upper directory {driver!.UpperDir}, the only layer that can hold one (image layers are tars), and added to filesystem/full");
        return new UpperDirSocketsSource(hostPaths.Show(driver.UpperDir!), walker, limits);
    }

    /// <summary>One source per volume mount; bind mounts and the rest are listed as not collected.</summary>
    public List<IFilesystemSource> PlanVolumes(string containerId, IReadOnlyList<ContainerMount> mounts, bool volumes, CaptureLimits limits, FilesystemSourceRecord record)
    {
        var sources = new List<IFilesystemSource>();
        foreach (var m in mounts)
        {
            if (!m.IsVolume)
            {
                string why = m.Type switch
                {
                    "bind" => "bind mount: content not collected (host path)",
                    "tmpfs" => "tmpfs: lives in the container's memory, not on a host path; not collected",
                    _ => $"{m.Type ?? "unknown"} mount: content not collected",
                };
                record.NotCollected.Add(new(m.Type, m.Name, m.Destination, m.Source, null, null, why));
                continue;
            }
            string name = m.Name is { Length: > 0 } n ? n : m.Destination ?? "volume";
            if (!volumes)
            {
                record.NotCollected.Add(new(m.Type, name, m.Destination, m.Source, null, null, "volume: content collected only with --volumes"));
                continue;
            }
            var (walker, notHere) = Open(m.Source, !hostPaths.Usable ? hostPaths.Why
                : string.IsNullOrEmpty(m.Source) ? "the mount has no Source (host directory)"
                : null);
            if (walker is not null)
            {
                string shown = hostPaths.Show(m.Source!);
                var collector = new HostTreeCollector
                {
                    Section = EvidenceSection.Volumes,
                    RootRawPath = Encoding.UTF8.GetBytes("/" + name),
                    MountedAt = string.IsNullOrEmpty(m.Destination) ? null : Encoding.UTF8.GetBytes(m.Destination.TrimEnd('/')),
                    IncludeRoot = true,
                    Description = $"volume {name} at {shown}",
                    Limits = limits,
                };
                var source = new WalkSource("volume directory", shown, walker, collector);
                record.Volumes.Add(new(m.Type, name, m.Destination, m.Source, source.Name, m.Source, $"the volume's host directory is readable: {DirectRead}{hostPaths.How}"));
                record.ReadBeneath = hostPaths.Root;
                sources.Add(source);
                continue;
            }
            if (string.IsNullOrEmpty(m.Destination))
            {
                record.NotCollected.Add(new(m.Type, name, m.Destination, m.Source, null, null, notHere + "; and it has no Destination to ask the engine for"));
                continue;
            }
            var api = new ArchiveVolumeSource(client, containerId, name, m.Destination, limits);
            record.Volumes.Add(new(m.Type, name, m.Destination, m.Source, api.Name, api.Path, notHere + "; /archive of the mount point streams its content"));
            sources.Add(api);
        }
        return sources;
    }

    /// <summary>Null when the overlay directories GraphDriver names can be tried here; else why not.</summary>
    private string? WhyNotOverlay(GraphDriver? driver)
    {
        if (!hostPaths.Usable)
        {
            return hostPaths.Why;
        }
        if (driver is null)
        {
            return "inspect has no GraphDriver (Docker 25+ with the containerd image store does not report one)";
        }
        return driver.IsOverlay ? null : $"graph driver '{driver.Name}' is not overlay: no host directory to read";
    }

    /// <summary>Opens the walk root unless there is already a reason not to; either the walker or why not.</summary>
    private (SafeTreeWalker? Walker, string Why) Open(string? path, string? notHere)
    {
        if (notHere is not null || path is null)
        {
            return (null, notHere ?? "no host path");
        }
        try
        {
            return (hostPaths.OpenDirectory(path), "");
        }
        catch (IOException ex)
        {
            return (null, hostPaths.Root is null
                ? $"{path} cannot be read here ({ex.Message}): cfir may run in another mount namespace than the engine"
                : $"{hostPaths.Show(path)} cannot be read ({ex.Message})");
        }
    }

    /// <summary>
    /// A mounted MergedDir is the root of its own (overlay) filesystem: another device than its
    /// parent. Unmounted, it is an empty directory of the parent's (or gone, and not opened at all).
    /// </summary>
    private bool IsMountPoint(SafeTreeWalker merged, string path, out string? why)
    {
        string trimmed = path.TrimEnd('/');
        string parent = trimmed.LastIndexOf('/') is > 0 and int slash ? trimmed[..slash] : "/";
        FileStat up;
        try
        {
            using var parentWalker = hostPaths.OpenDirectory(parent);
            up = parentWalker.RootStat;
        }
        catch (IOException ex)
        {
            why = $"MergedDir {hostPaths.Show(path)}: its parent cannot be opened ({ex.Message}), so whether it is mounted is unknown";
            return false;
        }
        if (up.DeviceMajor == merged.RootStat.DeviceMajor && up.DeviceMinor == merged.RootStat.DeviceMinor)
        {
            why = $"MergedDir {hostPaths.Show(path)} is not a mount point: not mounted";
            return false;
        }
        why = null;
        return true;
    }
}
