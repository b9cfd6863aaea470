using ContainerForensics.Bolt;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// A snapshotter's own database (<c>io.containerd.snapshotter.v1.&lt;name&gt;/metadata.db</c>, the
/// overlayfs and native snapshotters' <c>storage.MetaStore</c>, core/snapshots/storage/bolt.go):
/// <c>v1/snapshots/&lt;key&gt;/</c> with <c>id</c> (uvarint: the directory <c>snapshots/&lt;id&gt;</c>),
/// <c>kind</c> (one byte), <c>parent</c> (the parent's key), <c>createdat</c>/<c>updatedat</c>,
/// <c>labels/</c>, and for committed ones <c>inodes</c>/<c>size</c> (varints); <c>v1/parents</c>
/// back-links parent ids to children. Its keys are the metadata layer's names
/// "&lt;namespace&gt;/&lt;n&gt;/&lt;client key&gt;" (core/metadata/snapshot.go, <c>createKey</c>), so a snapshot
/// whose record in meta.db is gone still tells its namespace and key.
/// </summary>
internal sealed class SnapshotterDb : IDisposable
{
    /// <summary>Snapshots read at most: far more than any host holds.</summary>
    public const int MaxSnapshots = 100_000;

    private const int MaxChain = 512;

    private readonly SafeFileHandle _file;
    private readonly Dictionary<string, SnapshotterEntry> _byKey = new(StringComparer.Ordinal);

    private SnapshotterDb(SafeFileHandle file, BoltDatabase db, string imagePath)
    {
        _file = file;
        Database = db;
        ImagePath = imagePath;
        if (db.Root.Bucket("v1"u8)?.Bucket("snapshots"u8) is { } snapshots)
        {
            foreach (var e in snapshots.Entries())
            {
                if (e.Bucket is { } b)
                {
                    if (_byKey.Count >= MaxSnapshots)
                    {
                        Truncated = true;
                        break;
                    }
                    var entry = SnapshotterEntry.Read(MetaDb.Text(e.Key), b);
                    _byKey[entry.Key] = entry;
                }
            }
        }
    }

    public BoltDatabase Database { get; }

    public string ImagePath { get; }

    /// <summary>More than <see cref="MaxSnapshots"/> snapshots: the rest were not read.</summary>
    public bool Truncated { get; }

    public IReadOnlyCollection<SnapshotterEntry> Snapshots => _byKey.Values;

    public static SnapshotterDb? Open(DiskImage image, string imagePath, out string? problem)
    {
        var file = image.OpenRead(imagePath, out problem);
        if (file is null)
        {
            return null;
        }
        try
        {
            return new SnapshotterDb(file, BoltDatabase.Open(file, image.Show(imagePath)), imagePath);
        }
        catch (BoltFormatException ex)
        {
            file.Dispose();
            problem = ex.Message;
            return null;
        }
    }

    public SnapshotterEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>
    /// The snapshot the metadata layer named "&lt;ns&gt;/&lt;n&gt;/&lt;key&gt;" for this client key, when meta.db
    /// could not say (its record unreadable): the one match, or null when none or several match.
    /// </summary>
    public SnapshotterEntry? FindByClientKey(string ns, string clientKey)
    {
        SnapshotterEntry? found = null;
        foreach (var e in _byKey.Values)
        {
            if (e.Namespace == ns && e.ClientKey == clientKey)
            {
                if (found is not null)
                {
                    return null;
                }
                found = e;
            }
        }
        return found;
    }

    /// <summary>The parents of a snapshot, nearest first; stops (with why) at a missing parent, a loop or <see cref="MaxChain"/>.</summary>
    public IReadOnlyList<SnapshotterEntry> Parents(SnapshotterEntry snapshot, out string? problem)
    {
        var chain = new List<SnapshotterEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { snapshot.Key };
        problem = null;
        for (string? parent = snapshot.Parent; !string.IsNullOrEmpty(parent); parent = chain[^1].Parent)
        {
            if (!seen.Add(parent))
            {
                problem = $"the parent chain loops at '{parent}'";
                break;
            }
            if (chain.Count >= MaxChain)
            {
                problem = $"the parent chain is longer than {MaxChain}";
                break;
            }
            if (Find(parent) is not { } p)
            {
                problem = $"parent '{parent}' is not in {ImagePath}";
                break;
            }
            chain.Add(p);
        }
        return chain;
    }

    public void Dispose()
    {
        Database.Dispose();
        _file.Dispose();
    }
}

/// <summary>One snapshot of a snapshotter's metadata.db.</summary>
internal sealed record SnapshotterEntry
{
    public required string Key { get; init; }

    public required BoltBucket Bucket { get; init; }

    /// <summary>The snapshot's directory number; null when the id does not decode.</summary>
    public ulong? Id { get; init; }

    public byte? Kind { get; init; }

    public string? Parent { get; init; }

    public UnixTime? CreatedAt { get; init; }

    public UnixTime? UpdatedAt { get; init; }

    /// <summary>From a metadata-layer key "ns/n/key": the namespace and the client's key; null for a key of another form.</summary>
    public string? Namespace { get; init; }

    public string? ClientKey { get; init; }

    public string KindName => Kind is { } k ? SnapshotKinds.Name(k) : "unknown (no kind)";

    public static SnapshotterEntry Read(string key, BoltBucket bucket)
    {
        string? ns = null;
        string? clientKey = null;
        int first = key.IndexOf('/', StringComparison.Ordinal);
        int second = first < 0 ? -1 : key.IndexOf('/', first + 1);
        if (first > 0 && second > first + 1 && key[(first + 1)..second].All(char.IsAsciiDigit))
        {
            ns = key[..first];
            clientKey = key[(second + 1)..];
        }
        byte[]? kind = bucket.Get("kind"u8);
        return new SnapshotterEntry
        {
            Key = key,
            Bucket = bucket,
            Id = bucket.Get("id"u8) is { } id ? GoVarint.Unsigned(id) : null,
            Kind = kind is { Length: 1 } ? kind[0] : null,
            Parent = bucket.Get("parent"u8) is { } p ? MetaDb.Text(p) : null,
            CreatedAt = bucket.Get("createdat"u8) is { } c ? GoTime.Decode(c, out _) : null,
            UpdatedAt = bucket.Get("updatedat"u8) is { } u ? GoTime.Decode(u, out _) : null,
            Namespace = ns,
            ClientKey = clientKey,
        };
    }
}
