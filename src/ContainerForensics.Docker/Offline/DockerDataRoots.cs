using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Discovery;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// Where Docker's data roots are in a disk image, in order: the paths given with
/// <c>--docker-root</c> (then nothing else is looked for); else the image's
/// <c>/etc/docker/daemon.json</c> <c>data-root</c> (or the old <c>graph</c>), the default
/// <c>/var/lib/docker</c>, the snap's <c>/var/snap/docker/common/var-lib-docker</c>, and rootless
/// daemons' <c>/root/.local/share/docker</c> and <c>/home/*/.local/share/docker</c>. A directory
/// reached twice (a symlink, daemon.json naming the default) is read once. A directory is a data
/// root when it holds <c>containers/</c> or <c>image/</c>.
/// </summary>
internal static class DockerDataRoots
{
    private const string DaemonJson = "/etc/docker/daemon.json";

    public static IReadOnlyList<RuntimeProbe> Open(DiskImage image, RuntimeSettings settings)
    {
        var probes = new List<RuntimeProbe>();
        var seen = new Dictionary<(ulong Device, ulong Inode), string>();
        string? configured = null;
        if (settings.Values(DockerOptions.Root).Count == 0)
        {
            configured = FromDaemonJson(image, out string? problem);
            if (problem is not null)
            {
                probes.Add(RuntimeProbe.NotFound(OfflineDockerRuntime.RuntimeName, image.Show(DaemonJson), $"the image's {DaemonJson}: {problem}"));
            }
        }
        foreach (var (path, why, rootless, requested, quiet) in Candidates(image, settings, configured))
        {
            string shown = image.Show(path);
            Core.FileSystem.FileStat stat;
            try
            {
                using var tree = image.OpenTree(path);
                stat = tree.RootStat;
            }
            catch (IOException ex)
            {
                if (!quiet || ex.HResult != Core.FileSystem.UnixError.ENOENT)
                {
                    probes.Add(RuntimeProbe.NotFound(OfflineDockerRuntime.RuntimeName, shown, $"{why}: {ex.Message}") with { Requested = requested });
                }
                continue;
            }
            if (seen.TryGetValue((stat.Device, stat.Inode), out string? first))
            {
                probes.Add(RuntimeProbe.NotFound(OfflineDockerRuntime.RuntimeName, shown, $"{why}: the same directory as {first}, read there"));
                continue;
            }
            seen[(stat.Device, stat.Inode)] = path;
            var root = new DataRoot(image, path, why, rootless);
            if (!root.IsDirectory("containers") && !root.IsDirectory("image"))
            {
                probes.Add(RuntimeProbe.NotFound(OfflineDockerRuntime.RuntimeName, shown, $"{why}: neither containers/ nor image/ in it: not a Docker data root") with { Requested = requested });
                continue;
            }
            probes.Add(RuntimeProbe.Found(new OfflineDockerRuntime(DataRootCatalog.Read(root))));
        }
        return probes;
    }

    /// <summary>The candidates in order: path, how it was found, rootless, named by the responder, and whether an absent one goes unmentioned (a home without Docker).</summary>
    private static IEnumerable<(string Path, string Why, bool Rootless, bool Requested, bool Quiet)> Candidates(DiskImage image, RuntimeSettings settings, string? configured)
    {
        var given = settings.Values(DockerOptions.Root);
        if (given.Count > 0)
        {
            foreach (var path in given)
            {
                yield return (Absolute(path), $"{DockerOptions.Root.Flag} {path}", path.Contains("/.local/share/docker", StringComparison.Ordinal), true, false);
            }
            yield break;
        }
        if (configured is not null)
        {
            yield return (configured, $"data-root in the image's {DaemonJson}", false, false, false);
        }
        yield return ("/var/lib/docker", "the default data root", false, false, false);
        yield return ("/var/snap/docker/common/var-lib-docker", "the Docker snap's data root", false, false, true);
        yield return ("/root/.local/share/docker", "rootless Docker of root", true, false, true);
        var homes = image.List("/home", out _) ?? [];
        foreach (var home in homes.Select(h => System.Text.Encoding.UTF8.GetString(h)).Where(h => !h.Contains('/') && h is not ("." or "..")).Order(StringComparer.Ordinal))
        {
            yield return ($"/home/{home}/.local/share/docker", $"rootless Docker of /home/{home}", true, false, true);
        }
    }

    private static string Absolute(string path) => path.StartsWith('/') ? path : "/" + path;

    /// <summary>data-root (or graph, before Docker 17.05) of the image's daemon.json; null when it has none. A daemon.json that cannot be read is a problem, so that the default is not taken silently for a configured root.</summary>
    private static string? FromDaemonJson(DiskImage image, out string? problem)
    {
        problem = null;
        if (image.Lstat(DaemonJson, out _) is null)
        {
            return null;
        }
        using var json = DataRoot.ReadJsonAt(image, DaemonJson, out problem);
        if (json is null)
        {
            return null;
        }
        string? root = Json.String(json.RootElement, "data-root") ?? Json.String(json.RootElement, "graph");
        if (root is { Length: > 0 } && root.StartsWith('/') && root != "/var/lib/docker")
        {
            return root;
        }
        if (root is { Length: > 0 } && !root.StartsWith('/'))
        {
            problem = $"data-root '{DockerIds.Show(root)}' is not an absolute path: not looked at";
        }
        return null;
    }
}
