using System.Text;
using System.Text.Json;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>
/// Podman's libpod state (bolt_state.db, the default database of Podman 4; 5 moved to SQLite): what podman made
/// reads back from a copy as podman inspect gives it. Buckets: <c>ctr/&lt;id&gt;/config</c> (the container's
/// JSON config), <c>all-ctrs</c> and <c>id-registry</c> (id to name), <c>name-registry</c> (name to id)
/// (<a href="https://github.com/containers/podman/blob/v4.3.1/libpod/boltdb_state.go">libpod/boltdb_state.go</a>).
/// </summary>
public sealed class PodmanBoltTests
{
    [EngineFact(Engine.Podman)]
    public async Task A_container_made_by_podman_reads_back_from_bolt_state_db_as_podman_inspect_gives_it()
    {
        Assert.True(File.Exists(EngineDatabase.PodmanState), $"{EngineDatabase.PodmanState} is missing: this Podman keeps its state elsewhere (SQLite?)");
        await using var podman = new Podman();
        string marker = Guid.NewGuid().ToString();
        string name = await podman.CreateAsync(new Dictionary<string, string> { ["org.cfir.test.bolt"] = marker, ["ünï"] = "cödé" });
        using var inspect = JsonDocument.Parse(await podman.RunAsync("container", "inspect", name));
        var expected = inspect.RootElement[0];
        string id = expected.GetProperty("Id").GetString()!;

        using var copy = EngineDatabase.Copy(EngineDatabase.PodmanState, db => db.Root.Bucket("ctr")?.Bucket(id) is not null);
        var root = copy.Db.Root;
        Assert.Equal(name, root.Bucket("all-ctrs")!.GetString(id));
        Assert.Equal(name, root.Bucket("id-registry")!.GetString(id));
        Assert.Equal(id, root.Bucket("name-registry")!.GetString(name));

        // The config is JSON larger than a page: read across overflow pages.
        var configBytes = root.Bucket("ctr")!.Bucket(id)!.Get("config")!;
        Assert.True(configBytes.Length > copy.Db.PageSize);
        using var config = JsonDocument.Parse(configBytes);
        var c = config.RootElement;
        Assert.Equal(id, c.GetProperty("id").GetString());
        Assert.Equal(name, c.GetProperty("name").GetString());
        Assert.Equal(expected.GetProperty("Image").GetString(), c.GetProperty("rootfsImageID").GetString());
        Assert.Equal(expected.GetProperty("ImageName").GetString(), c.GetProperty("rootfsImageName").GetString());
        Assert.Equal(
            expected.GetProperty("Config").GetProperty("Labels").EnumerateObject().Select(p => (p.Name, p.Value.GetString())).Order(),
            c.GetProperty("labels").EnumerateObject().Select(p => (p.Name, p.Value.GetString())).Order());
        Assert.Equal(marker, c.GetProperty("labels").GetProperty("org.cfir.test.bolt").GetString());
        Assert.Equal(
            expected.GetProperty("Created").GetDateTimeOffset(),
            c.GetProperty("createdTime").GetDateTimeOffset());
        Assert.Equal(
            expected.GetProperty("Config").GetProperty("CreateCommand").EnumerateArray().Select(a => a.GetString()),
            c.GetProperty("CreateCommand").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(copy.Db.Problems);
    }

    [EngineFact(Engine.Podman)]
    public async Task Every_container_podman_lists_before_and_after_the_copy_is_in_it()
    {
        await using var podman = new Podman();
        await podman.CreateAsync(new Dictionary<string, string>());
        var before = await Ids(podman);
        using var copy = EngineDatabase.Copy(EngineDatabase.PodmanState);
        var after = await Ids(podman);
        var inCopy = copy.Db.Root.Bucket("all-ctrs")!.Entries().Select(e => Encoding.UTF8.GetString(e.Key)).ToHashSet();
        var both = before.Intersect(after).ToHashSet();
        Assert.NotEmpty(both);
        Assert.Subset(inCopy, both);
        Assert.Empty(copy.Db.Problems);
    }

    private static async Task<HashSet<string>> Ids(Podman podman) =>
        (await podman.RunAsync("ps", "--all", "--quiet", "--no-trunc")).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
}
