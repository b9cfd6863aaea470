using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// Finds Podman's data roots in a disk image (<c>--root</c>) and opens each as a runtime:
/// <list type="number">
/// <item><c>--podman-root PATH</c> (a path inside the image; may be given several times): only
///   those, each reported when it holds no Podman state;</item>
/// <item>otherwise the system's graph root: <c>graphroot</c> of the image's
///   /etc/containers/storage.conf when it names one, and /var/lib/containers/storage;</item>
/// <item>and every rootless one: <c>/root/.local/share/containers/storage</c> and
///   <c>/home/&lt;user&gt;/.local/share/containers/storage</c>, each its own runtime naming the user.</item>
/// </list>
/// Two paths that resolve to one folder (a link in the image) are one data root.
/// </summary>
internal static class PodmanDataRoots
{
    public const string SystemRoot = "/var/lib/containers/storage";

    private const string RootlessRoot = ".local/share/containers/storage";

    /// <summary>Home folders looked into at most.</summary>
    private const int MaxHomes = 1000;

    public static readonly RuntimeOption RootOption = new("--podman-root",
        "Dead-box (with --root): Podman's data root (graph root) inside the image, instead of looking in /var/lib/containers/storage, storage.conf's graphroot and the users' ~/.local/share/containers/storage. Repeatable.",
        "PATH")
    {
        Kind = RuntimeOptionKind.Repeatable,
    };

    public static IReadOnlyList<RuntimeProbe> Open(DiskImage image, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        var requested = settings.Values(RootOption);
        var candidates = requested.Count > 0
            ? requested.Select(r => new Candidate(r, null, RootOption.Flag, Requested: true)).ToList()
            : Defaults(image);
        var probes = new List<RuntimeProbe>();
        var seen = new Dictionary<(ulong, ulong), string>();
        foreach (var candidate in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string shown = image.Show(candidate.Path);
            if (!candidate.Path.StartsWith('/') || candidate.Path.Contains('\0', StringComparison.Ordinal))
            {
                probes.Add(RuntimeProbe.NotFound("podman", candidate.Path, $"{candidate.Source}: '{candidate.Path}' is not an absolute path inside the image") with { Requested = candidate.Requested });
                continue;
            }
            if (Directory(image, candidate.Path, out string? why) is not { } stat)
            {
                if (candidate.Requested || candidate.ReportAbsent)
                {
                    probes.Add(RuntimeProbe.NotFound("podman", shown, $"{candidate.Source}: {why}") with { Requested = candidate.Requested });
                }
                continue;
            }
            if (seen.TryGetValue((stat.Device, stat.Inode), out string? first))
            {
                probes.Add(RuntimeProbe.NotFound("podman", shown, $"{candidate.Source}: the same folder as {first}, read there") with { Requested = candidate.Requested });
                continue;
            }
            seen[(stat.Device, stat.Inode)] = candidate.Path;
            if (!PodmanDataRoot.LooksLikeDataRoot(image, candidate.Path, out string notPodman))
            {
                probes.Add(RuntimeProbe.NotFound("podman", shown, $"{candidate.Source}: {notPodman}") with { Requested = candidate.Requested });
                continue;
            }
            PodmanDataRoot root;
            try
            {
                root = PodmanDataRoot.Load(image, candidate.Path, candidate.User);
            }
            // One data root that cannot be read (a read error of the image) does not cost the others theirs.
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                probes.Add(RuntimeProbe.NotFound("podman", shown, $"{candidate.Source}: its state could not be read: {ex.Message}") with { Requested = candidate.Requested });
                continue;
            }
            probes.Add(RuntimeProbe.Found(new PodmanOfflineRuntime(root, candidate.Source)));
        }
        return probes;
    }

    private static List<Candidate> Defaults(DiskImage image)
    {
        var list = new List<Candidate>();
        if (StorageConfGraphRoot(image) is { } configured && configured.TrimEnd('/') != SystemRoot)
        {
            list.Add(new Candidate(configured.TrimEnd('/'), null, "graphroot of /etc/containers/storage.conf", Requested: false) { ReportAbsent = true });
        }
        list.Add(new Candidate(SystemRoot, null, "Podman's default graph root", Requested: false) { ReportAbsent = true });
        list.Add(new Candidate("/root/" + RootlessRoot, "root", "root's rootless storage", Requested: false));
        var homes = image.List("/home", out _) ?? [];
        foreach (var raw in homes.OrderBy(n => n, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).Take(MaxHomes))
        {
            string user = Encoding.UTF8.GetString(raw);
            if (user is "." or ".." || user.Contains('/', StringComparison.Ordinal) || !Encoding.UTF8.GetBytes(user).AsSpan().SequenceEqual(raw))
            {
                continue;
            }
            list.Add(new Candidate($"/home/{user}/{RootlessRoot}", user, $"{PodmanIds.Show(user)}'s rootless storage", Requested: false));
        }
        return list;
    }

    /// <summary>The directory's identity, or null with why it is not one (absent, a file, unreadable).</summary>
    private static Core.FileSystem.FileStat? Directory(DiskImage image, string path, out string? why)
    {
        try
        {
            using var walker = image.OpenTree(path);
            why = null;
            return walker.RootStat;
        }
        catch (IOException ex)
        {
            why = $"{image.Show(path)} is not a folder of the image ({ex.Message})";
            return null;
        }
    }

    /// <summary>
    /// graphroot from the image's /etc/containers/storage.conf ([storage] graphroot = "..."),
    /// read as the TOML line it is; null when it does not say.
    /// </summary>
    private static string? StorageConfGraphRoot(DiskImage image)
    {
        if (ImageFiles.ReadBytes(image, "/etc/containers/storage.conf", 1 << 20, out _) is not { } bytes)
        {
            return null;
        }
        string section = "";
        foreach (var raw in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith('['))
            {
                section = line.Trim('[', ']', ' ');
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (section == "storage" && eq > 0 && line[..eq].Trim() == "graphroot")
            {
                string value = line[(eq + 1)..].Trim();
                int hash = value.IndexOf('#', StringComparison.Ordinal);
                value = (hash >= 0 && !value.StartsWith('"') ? value[..hash] : value).Trim();
                if (value.Length >= 2 && value[0] is '"' or '\'' && value.IndexOf(value[0], 1) is int end and > 0)
                {
                    value = value[1..end];
                }
                return value.StartsWith('/') ? value : null;
            }
        }
        return null;
    }

    private sealed record Candidate(string Path, string? User, string Source, bool Requested)
    {
        /// <summary>A default the responder expects to hear about when it is not there (the system's roots; not every home).</summary>
        public bool ReportAbsent { get; init; }
    }
}
