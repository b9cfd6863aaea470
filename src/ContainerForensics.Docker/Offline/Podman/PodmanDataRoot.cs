using System.Text.Json;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// One Podman data root (c/storage's graph root with libpod's static dir in it) of a disk
/// image, read once when it is opened: libpod's database, c/storage's containers, layers and
/// images, and the directories no record owns (<see cref="PodmanRemnants"/>). Everything that
/// could not be read is in <see cref="Problems"/>; nothing here throws for a bad image.
/// </summary>
internal sealed class PodmanDataRoot
{
    private PodmanDataRoot(DiskImage image, PodmanPaths paths, string? user)
    {
        Image = image;
        Paths = paths;
        User = user;
    }

    public DiskImage Image { get; }

    /// <summary>Where its files are; the driver and the recorded graph root are known once the database is read.</summary>
    public PodmanPaths Paths { get; private set; }

    /// <summary>The user whose rootless storage this is; null for the system's.</summary>
    public string? User { get; }

    /// <summary>libpod's database as read; null when the data root has none.</summary>
    public LibpodState? Libpod { get; private set; }

    /// <summary>The database files found, image paths; the one read is <see cref="LibpodState.Path"/>.</summary>
    public List<string> DatabaseFiles { get; } = [];

    /// <summary>Why that database was read and not another.</summary>
    public string? DatabaseChoice { get; private set; }

    public List<StorageContainer> StorageContainers { get; } = [];

    public Dictionary<string, StorageLayer> Layers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, StorageImage> Images { get; } = new(StringComparer.Ordinal);

    public List<PodmanContainer> Containers { get; } = [];

    public PodmanRemnants Remnants { get; private set; } = PodmanRemnants.None;

    public List<string> Problems { get; } = [];

    /// <summary>Whether anything of Podman is here: a database or c/storage's containers file.</summary>
    public static bool LooksLikeDataRoot(DiskImage image, string dataRoot, out string why)
    {
        var p = new PodmanPaths(dataRoot, "overlay", null);
        foreach (string candidate in (string[])[p.Under("libpod/bolt_state.db"), p.Under("db.sql"), p.Under("libpod/db.sql")])
        {
            if (image.Lstat(candidate, out _) is not null)
            {
                why = $"{candidate} is there";
                return true;
            }
        }
        if (FindDriver(image, p) is { } driver)
        {
            why = $"{p.Under(driver + "-containers/containers.json")} is there";
            return true;
        }
        why = $"neither libpod's database (libpod/bolt_state.db, db.sql) nor c/storage's <driver>-containers/containers.json is under {image.Show(dataRoot)}";
        return false;
    }

    public static PodmanDataRoot Load(DiskImage image, string dataRoot, string? user)
    {
        // The database first: it says which driver and graph root the paths it recorded belong to.
        var root = new PodmanDataRoot(image, new PodmanPaths(dataRoot, "overlay", null), user);
        root.Libpod = root.ReadDatabase();
        string? recordedDriver = root.Libpod?.RuntimeConfig.GetValueOrDefault(LibpodState.GraphDriver);
        string driver = FindDriver(image, root.Paths) ?? (IsDriverName(recordedDriver) ? recordedDriver! : "overlay");
        root.Paths = new PodmanPaths(dataRoot, driver, root.Libpod?.RuntimeConfig.GetValueOrDefault(LibpodState.GraphRoot));
        root.ReadStorage();
        root.JoinContainers();
        root.Remnants = PodmanRemnants.Find(root);
        root.Containers.AddRange(root.Remnants.Containers);
        return root;
    }

    /// <summary>
    /// Reads libpod's database. bolt_state.db and db.sql can both be there (a Podman 5 that
    /// kept an old bolt database, or a backend switched in containers.conf): libpod writes only
    /// the one it uses, so the one modified last is read, and the choice is recorded; both files
    /// are captured as evidence.
    /// </summary>
    private LibpodState? ReadDatabase()
    {
        var found = new List<(string Path, FileStat Stat, bool Bolt)>();
        foreach (var (path, bolt) in new[] { (Paths.Under("libpod/bolt_state.db"), true), (Paths.Under("db.sql"), false), (Paths.Under("libpod/db.sql"), false) })
        {
            if (Image.Lstat(path, out _) is { } stat)
            {
                found.Add((path, stat, bolt));
                DatabaseFiles.Add(path);
            }
        }
        if (found.Count == 0)
        {
            Problems.Add($"no libpod database under {Image.Show(Paths.DataRoot)} (libpod/bolt_state.db, db.sql): only c/storage's records are read");
            return null;
        }
        var chosen = found.OrderByDescending(f => f.Stat.ModifiedTime ?? default).First();
        DatabaseChoice = found.Count == 1
            ? $"the only libpod database in the data root"
            : $"the most recently modified of {string.Join(", ", found.Select(f => f.Path))}: libpod writes only the database it uses";
        using var handle = Image.OpenRead(chosen.Path, out string? problem);
        if (handle is null)
        {
            Problems.Add($"libpod database not read: {problem}");
            return null;
        }
        string shown = Image.Show(chosen.Path);
        return chosen.Bolt ? BoltLibpodReader.Read(handle, chosen.Path, shown) : SqliteLibpodReader.Read(handle, chosen.Path, shown);
    }

    private void ReadStorage()
    {
        foreach (var (path, read) in new (string, Action<JsonElement, string>)[]
        {
            (Paths.ContainersJson, (e, f) => StorageContainers.AddRange(StorageRecords.Containers(e, f, Problems))),
            (Paths.LayersJson, (e, f) => Add(Layers, StorageRecords.Layers(e, f, Problems), l => l.Id)),
            (Paths.VolatileLayersJson, (e, f) => Add(Layers, StorageRecords.Layers(e, f, Problems), l => l.Id)),
            (Paths.ImagesJson, (e, f) => Add(Images, StorageRecords.Images(e, f, Problems), i => i.Id)),
        })
        {
            using var doc = ImageFiles.ReadJson(Image, path, ImageFiles.MaxStateFileBytes, out string? problem, out bool absent);
            if (doc is null)
            {
                if (!absent || path != Paths.VolatileLayersJson)
                {
                    Problems.Add(problem!);
                }
                continue;
            }
            read(doc.RootElement, Image.Show(path));
        }
    }

    private static void Add<T>(Dictionary<string, T> into, List<T> items, Func<T, string> id)
    {
        foreach (var item in items)
        {
            into.TryAdd(id(item), item);
        }
    }

    /// <summary>libpod's containers with their c/storage records, then c/storage's records libpod does not know.</summary>
    private void JoinContainers()
    {
        var storage = new Dictionary<string, StorageContainer>(StringComparer.Ordinal);
        foreach (var s in StorageContainers)
        {
            if (!storage.TryAdd(s.Id, s))
            {
                Problems.Add($"{Image.Show(Paths.ContainersJson)} lists {s.Id} twice: the first is used");
            }
        }
        var pods = (Libpod?.Pods ?? []).ToDictionary(p => p.Id, p => p.Name ?? PodName(p), StringComparer.Ordinal);
        var names = Directory(Paths.ContainersDir);
        foreach (var record in Libpod?.Containers ?? [])
        {
            var facts = LibpodContainerFacts.Read(record);
            storage.Remove(record.Id, out var s);
            Containers.Add(new PodmanContainer
            {
                Id = record.Id,
                Kind = PodmanContainerKind.Libpod,
                Libpod = record,
                Facts = facts,
                Storage = s,
                LayerId = s?.Layer,
                HasContainerDir = names.Contains(record.Id),
                PodName = facts.PodId is { } pod ? pods.GetValueOrDefault(pod) ?? pod[..Math.Min(12, pod.Length)] : null,
            });
        }
        foreach (var s in StorageContainers.Where(s => storage.ContainsKey(s.Id)))
        {
            Containers.Add(new PodmanContainer
            {
                Id = s.Id,
                Kind = PodmanContainerKind.External,
                Storage = s,
                LayerId = s.Layer,
                HasContainerDir = names.Contains(s.Id),
            });
        }
    }

    /// <summary>A pod's name from its PodConfig when the registry did not keep one.</summary>
    private static string? PodName(LibpodPodRecord pod)
    {
        if (pod.Config is null)
        {
            return null;
        }
        using var doc = ImageFiles.Parse(pod.Config, "PodConfig", out _);
        return doc is not null && Api.Json.String(doc.RootElement, "name") is { Length: > 0 } name ? name : null;
    }

    /// <summary>The names in a directory of the image (empty when it cannot be listed; <see cref="PodmanRemnants"/> records why).</summary>
    public HashSet<string> Directory(string path) =>
        Image.List(path, out _) is { } names
            ? names.Select(n => System.Text.Encoding.UTF8.GetString(n)).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The layer and its parents, topmost first, as layers.json chains them (a cycle or a missing parent ends the chain).</summary>
    public List<StorageLayer> Chain(string? layerId, out string? broken)
    {
        var chain = new List<StorageLayer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        broken = null;
        for (string? id = layerId; id is not null; id = Layers[id].Parent)
        {
            if (!seen.Add(id))
            {
                broken = $"layer {id} is its own ancestor in layers.json";
                break;
            }
            if (!Layers.ContainsKey(id))
            {
                broken = $"layer {id} is not in layers.json";
                break;
            }
            chain.Add(Layers[id]);
            if (chain.Count > 500)
            {
                broken = "more than 500 layers in one chain";
                break;
            }
        }
        return chain;
    }

    /// <summary>Which storage driver's folders the data root has: overlay first, then any other "&lt;driver&gt;-containers".</summary>
    private static string? FindDriver(DiskImage image, PodmanPaths paths)
    {
        if (image.Lstat(paths.Under("overlay-containers/containers.json"), out _) is not null)
        {
            return "overlay";
        }
        var names = image.List(paths.DataRoot, out _) ?? [];
        foreach (var raw in names)
        {
            string name = System.Text.Encoding.UTF8.GetString(raw);
            if (name.EndsWith("-containers", StringComparison.Ordinal) && IsDriverName(name[..^"-containers".Length])
                && image.Lstat(paths.Under(name + "/containers.json"), out _) is not null)
            {
                return name[..^"-containers".Length];
            }
        }
        return null;
    }

    /// <summary>A driver name c/storage could have (overlay, vfs, btrfs, zfs, aufs, devmapper): lowercase letters only.</summary>
    private static bool IsDriverName(string? name) => name is { Length: > 0 and < 32 } && name.All(c => c is >= 'a' and <= 'z');
}
