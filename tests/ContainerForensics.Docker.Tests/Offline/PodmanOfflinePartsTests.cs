using ContainerForensics.Docker.Offline.Podman;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>The small rules of the Podman dead-box reader: ids, recorded paths, states.</summary>
public sealed class PodmanOfflinePartsTests
{
    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("../../../../etc", false)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsId_Only64LowercaseHexDigits(string? value, bool expected) => Assert.Equal(expected, PodmanIds.IsId(value));

    [Theory]
    [InlineData("/tmp/x/storage/overlay-containers/ID/userdata/ctr.log", "/var/lib/containers/storage/overlay-containers/ID/userdata/ctr.log")]
    [InlineData("/tmp/x/storage", "/var/lib/containers/storage")]
    [InlineData("/tmp/x/storage2/y", "/tmp/x/storage2/y")]
    [InlineData("/var/log/app.log", "/var/log/app.log")]
    [InlineData("relative/ctr.log", null)]
    [InlineData("/tmp/x/storage/../../../etc/shadow", null)]
    [InlineData("/tmp/x/storage/a\0b", null)]
    public void Map_RebasesUnderTheRecordedGraphRoot_AndRefusesWhatIsNotAPath(string recorded, string? expected)
    {
        var paths = new PodmanPaths("/var/lib/containers/storage", "overlay", "/tmp/x/storage/");

        Assert.Equal(expected, paths.Map(recorded));
    }

    [Fact]
    public void LayerOfRootPath_NamesTheLayerOfASpecsMergedRoot()
    {
        string layer = new('e', 64);
        var paths = new PodmanPaths("/var/lib/containers/storage", "overlay", "/srv/old");

        Assert.Equal(layer, paths.LayerOfRootPath($"/srv/old/overlay/{layer}/merged"));
        Assert.Null(paths.LayerOfRootPath($"/srv/old/vfs/{layer}/merged"));
        Assert.Null(paths.LayerOfRootPath("/srv/old/overlay/../../etc/merged"));
        Assert.Null(paths.LayerOfRootPath(null));
    }

    [Theory]
    [InlineData("""{"state":1}""", "created", "configured")]
    [InlineData("""{"state":2}""", "created", "created")]
    [InlineData("""{"state":3}""", "running", "running")]
    [InlineData("""{"state":4}""", "exited", "stopped")]
    [InlineData("""{"state":5}""", "paused", "paused")]
    [InlineData("""{"state":6}""", "exited", "exited")]
    [InlineData("""{"state":7}""", "removing", "removing")]
    [InlineData("""{"state":8}""", "running", "stopping")]
    [InlineData("""{"state":99}""", "unknown", "bad state 99")]
    [InlineData("""{"state":"3"}""", "unknown", "(not recorded)")]
    [InlineData("""not json""", "unknown", "(not recorded)")]
    public void State_InTheLiveListingsWords_AndLibpods(string stateJson, string state, string libpod)
    {
        var facts = LibpodContainerFacts.Read(new LibpodContainerRecord
        {
            Id = new string('f', 64),
            Source = "test",
            Config = """{"name":"x","spec":{"process":{"terminal":true}},"createdTime":"0001-01-01T00:00:00Z"}"""u8.ToArray(),
            State = System.Text.Encoding.UTF8.GetBytes(stateJson),
        });

        Assert.Equal(state, facts.State);
        Assert.Equal(libpod, facts.LibpodState);
        Assert.Equal("x", facts.Name);
        Assert.True(facts.Terminal);
        Assert.Equal(stateJson == "not json", facts.Problems.Count == 1);
    }
}
