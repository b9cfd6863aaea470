using ContainerForensics.Bolt.Tests.Fixtures;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>The engines' real databases, damaged many times over: the same guarantees as for built files.</summary>
public sealed class RealDatabaseFuzzTests(ITestOutputHelper output)
{
    [EngineFact(Engine.Containerd)]
    public void Damaged_copies_of_containerds_meta_db_never_throw_hang_or_balloon() => Fuzz(EngineDatabase.ContainerdMeta, 11);

    [EngineFact(Engine.Containerd)]
    public void Damaged_copies_of_the_overlayfs_snapshotters_metadata_db_never_throw_hang_or_balloon() => Fuzz(EngineDatabase.OverlayfsMetadata, 12);

    [EngineFact(Engine.Podman)]
    public void Damaged_copies_of_podmans_bolt_state_db_never_throw_hang_or_balloon() => Fuzz(EngineDatabase.PodmanState, 13);

    private void Fuzz(string live, int seed)
    {
        using var copy = EngineDatabase.Copy(live);
        var bytes = File.ReadAllBytes(copy.CopyPath);
        long entries = EngineDatabase.CountAll(copy.Db.Root);
        Assert.True(entries > 0, $"{live} is empty");
        var report = new MutationFuzzer(bytes, copy.Db.PageSize, copy.Db.HighWaterMark, seed)
            .Run(600, TimeSpan.FromSeconds(120));
        output.WriteLine($"{live}: {bytes.Length} bytes, {copy.Db.HighWaterMark} pages in use, {entries} entries; {report}");
        Assert.True(report.Opened > report.Refused);
        Assert.True(report.SlowestCase < TimeSpan.FromSeconds(5), report.ToString());
    }
}
