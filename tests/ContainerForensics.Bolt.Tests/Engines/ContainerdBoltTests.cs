using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>
/// containerd's own databases, written by the rig's containerd: what ctr made reads back from a copy of meta.db
/// (<c>v1/&lt;namespace&gt;/containers/&lt;id&gt;</c>, <c>v1/&lt;namespace&gt;/snapshots/&lt;snapshotter&gt;/&lt;key&gt;</c>,
/// <a href="https://github.com/containerd/containerd/blob/main/core/metadata/buckets.go">core/metadata/buckets.go</a>) and of
/// the overlayfs snapshotter's metadata.db (<c>v1/snapshots/&lt;name&gt;</c>,
/// <a href="https://github.com/containerd/containerd/blob/main/core/snapshots/storage/bolt.go">core/snapshots/storage/bolt.go</a>)
/// exactly as ctr reports it.
/// </summary>
public sealed partial class ContainerdBoltTests
{
    [EngineFact(Engine.Containerd)]
    public async Task A_container_made_by_ctr_reads_back_from_meta_db_as_ctr_info_gives_it()
    {
        await using var ctr = new Ctr();
        var labels = new Dictionary<string, string>
        {
            ["org.cfir.test.bolt"] = Guid.NewGuid().ToString(),
            ["ünïcödé"] = "välüe",
        };
        for (int i = 0; i < 40; i++)
        {
            labels[$"org.cfir.test.filler.{i:D2}"] = new string((char)('a' + (i % 26)), 60); // a labels bucket too big to be inline
        }
        string id = await ctr.CreateAsync(labels);
        using var info = JsonDocument.Parse(await ctr.RunAsync("containers", "info", id));
        var expected = info.RootElement;

        using var copy = EngineDatabase.Copy(EngineDatabase.ContainerdMeta, db => Container(db, id) is not null);
        var c = Container(copy.Db, id) ?? throw new InvalidOperationException($"container {id} not in {copy.Db}");

        var labelBucket = c.Bucket("labels")!;
        Assert.False(labelBucket.IsInline);
        Assert.Equal(
            expected.GetProperty("Labels").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).Order(),
            labelBucket.Entries().Select(e => (Encoding.UTF8.GetString(e.Key), Encoding.UTF8.GetString(e.Value!))).Order());
        Assert.Equal(expected.GetProperty("Image").GetString(), c.GetString("image"));
        Assert.Equal(expected.GetProperty("SnapshotKey").GetString(), c.GetString("snapshotKey"));
        Assert.Equal(expected.GetProperty("Snapshotter").GetString(), c.GetString("snapshotter"));
        Assert.Equal(expected.GetProperty("Runtime").GetProperty("Name").GetString(), c.Bucket("runtime")!.GetString("name"));
        Assert.Equal(expected.GetProperty("CreatedAt").GetString(), GoValues.Time(c.Get("createdat")!));
        Assert.Equal(expected.GetProperty("UpdatedAt").GetString(), GoValues.Time(c.Get("updatedat")!));
        // The OCI spec: an Any whose value is the spec's JSON, larger than a page: read across overflow pages.
        var (typeUrl, spec) = GoValues.Any(c.Get("spec")!);
        Assert.Equal("types.containerd.io/opencontainers/runtime-spec/1/Spec", typeUrl);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.GetProperty("Spec").GetRawText()), JsonNode.Parse(spec)));
        Assert.Empty(copy.Db.Problems);
    }

    [EngineFact(Engine.Containerd)]
    public async Task A_containers_snapshot_reads_back_from_meta_db_and_from_the_overlayfs_snapshotters_own_database()
    {
        await using var ctr = new Ctr();
        string id = await ctr.CreateAsync(new Dictionary<string, string>());
        using var info = JsonDocument.Parse(await ctr.RunAsync("snapshots", "--snapshotter", "overlayfs", "info", id));
        string mounts = await ctr.RunAsync("snapshots", "--snapshotter", "overlayfs", "mounts", "/cfir-never-mounted", id);
        ulong upper = ulong.Parse(UpperDir().Match(mounts).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        ulong lower = ulong.Parse(LowerDir().Match(mounts).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string parentKey = info.RootElement.GetProperty("Parent").GetString()!;

        // meta.db: the namespace's view, keyed by ctr's names, pointing at the snapshotter's own names.
        using var meta = EngineDatabase.Copy(EngineDatabase.ContainerdMeta, db => Snapshot(db, id) is not null);
        var snapshot = Snapshot(meta.Db, id)!;
        var parent = Snapshot(meta.Db, parentKey)!;
        Assert.Equal(parentKey, snapshot.GetString("parent"));
        Assert.Equal(info.RootElement.GetProperty("Created").GetString(), GoValues.Time(snapshot.Get("createdat")!));
        Assert.NotNull(parent.Bucket("children")!.Get(id));
        string name = snapshot.GetString("name")!;
        string parentName = parent.GetString("name")!;
        Assert.EndsWith("/" + id, name, StringComparison.Ordinal);

        // metadata.db: the overlayfs snapshotter's records, whose ids are its directories.
        using var storage = EngineDatabase.Copy(EngineDatabase.OverlayfsMetadata, db => db.Root.Bucket("v1")?.Bucket("snapshots")?.Bucket(name) is not null);
        var snapshots = storage.Db.Root.Bucket("v1")!.Bucket("snapshots")!;
        var mine = snapshots.Bucket(name)!;
        Assert.Equal(2, Assert.Single(mine.Get("kind")!)); // snapshots.KindActive, ctr's "Active"
        Assert.Equal("Active", info.RootElement.GetProperty("Kind").GetString());
        Assert.Equal(parentName, mine.GetString("parent"));
        Assert.Equal(upper, GoValues.Uvarint(mine.Get("id")!));
        Assert.Equal(lower, GoValues.Uvarint(snapshots.Bucket(parentName)!.Get("id")!));
        Assert.Equal(3, Assert.Single(snapshots.Bucket(parentName)!.Get("kind")!)); // committed
        Assert.Empty(meta.Db.Problems);
        Assert.Empty(storage.Db.Problems);
    }

    [EngineFact(Engine.Containerd)]
    public async Task Every_container_ctr_lists_before_and_after_the_copy_is_in_it()
    {
        var ctr = new Ctr();
        // Other tests come and go: what ctr lists both before and after the copy was there during it.
        var before = (await ctr.RunAsync("containers", "list", "--quiet")).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        using var copy = EngineDatabase.Copy(EngineDatabase.ContainerdMeta);
        var after = (await ctr.RunAsync("containers", "list", "--quiet")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var inCopy = copy.Db.Root.Bucket("v1")?.Bucket(Ctr.Namespace)?.Bucket("containers")?.Entries()
            .Select(e => Encoding.UTF8.GetString(e.Key)).ToHashSet() ?? [];
        Assert.Subset(inCopy, before.Intersect(after).ToHashSet());
        Assert.Empty(copy.Db.Problems);
    }

    private static BoltBucket? Container(BoltDatabase db, string id) =>
        db.Root.Bucket("v1")?.Bucket(Ctr.Namespace)?.Bucket("containers")?.Bucket(id);

    private static BoltBucket? Snapshot(BoltDatabase db, string key) =>
        db.Root.Bucket("v1")?.Bucket(Ctr.Namespace)?.Bucket("snapshots")?.Bucket("overlayfs")?.Bucket(key);

    [GeneratedRegex(@"upperdir=[^,\s]*/snapshots/(\d+)/fs")]
    private static partial Regex UpperDir();

    [GeneratedRegex(@"lowerdir=[^,\s]*/snapshots/(\d+)/fs")]
    private static partial Regex LowerDir();
}
