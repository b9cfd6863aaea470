using ContainerForensics.Evidence.Spooling;
using ContainerForensics.Evidence.Tests.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// The writer's set of written paths: exact answers whether the keys are still in memory or
/// spilled to sorted runs on disk (small in-memory limits here make it spill often).
/// </summary>
public sealed class ArchivePathSetTests
{
    [Fact]
    public void A_path_is_added_once_and_told_apart_from_its_neighbours()
    {
        using var dir = new TempDirectory();
        using var set = new ArchivePathSet(new SpoolFactory(dir.Path, EvidenceArchiveOptions.DefaultSpoolMemoryBudget));
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/passwd"));
        Assert.False(set.Add("containers/docker/web/filesystem/changed/etc/passwd"));
        // One code unit apart, a prefix, and the same text in another case are other paths.
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/passwe"));
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/passw"));
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/PASSWD"));
        Assert.True(set.Add(""));
        Assert.False(set.Add(""));
        Assert.Equal(5, set.Count);
        Assert.Equal(0, set.RunCount);
    }

    [Theory]
    [InlineData(1_000_000)] // all in memory
    [InlineData(3)]         // a run every three keys
    public void Only_a_marked_path_is_a_file_member(int keysInMemory)
    {
        using var dir = new TempDirectory();
        using var set = new ArchivePathSet(new SpoolFactory(dir.Path, EvidenceArchiveOptions.DefaultSpoolMemoryBudget), keysInMemory);
        set.Add("fs/dir");
        set.Add("fs/file");
        Assert.False(set.IsFileMember("fs/file"));
        set.MarkFileMember("fs/file");
        for (int i = 0; i < 10; i++)
        {
            set.Add($"fs/other{i}"); // pushes the two above into runs when the limit is small
        }
        Assert.True(set.IsFileMember("fs/file"));
        Assert.False(set.IsFileMember("fs/dir"));      // written, but without content
        Assert.False(set.IsFileMember("fs/never"));    // never written
        Assert.False(set.Add("fs/file"));              // marking keeps it taken
        Assert.False(set.Add("fs/dir"));
        Assert.Equal(12, set.Count);
    }

    [Theory]
    [InlineData(false)] // runs in a file without a name in the spool directory
    [InlineData(true)]  // runs in memory, as with -o -: nothing on the host's disks
    public void Spilled_runs_answer_exactly_like_a_set_of_strings(bool inMemory)
    {
        // 200,000 names that differ in a few digits, as a large layer's do, through runs of 5,000
        // (40 runs, each a file region with a Bloom filter): every path is found again, no path
        // that was never added is, and the file-member marks survive the spills.
        using var dir = new TempDirectory();
        using var set = new ArchivePathSet(new SpoolFactory(inMemory ? null : dir.Path, EvidenceArchiveOptions.DefaultSpoolMemoryBudget), keysInMemory: 5_000);
        var reference = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 200_000; i++)
        {
            string path = $"containers/docker/x/filesystem/changed/data/d{i / 1000:D3}/f{i:D6}.txt";
            Assert.True(set.Add(path));
            reference.Add(path);
            if (i % 3 == 0)
            {
                set.MarkFileMember(path);
            }
        }
        Assert.True(set.RunCount >= 40, $"{set.RunCount} runs");
        Assert.Equal(200_000, set.Count);
        for (int i = 0; i < 200_000; i += 7)
        {
            string path = $"containers/docker/x/filesystem/changed/data/d{i / 1000:D3}/f{i:D6}.txt";
            Assert.False(set.Add(path));
            Assert.Equal(i % 3 == 0, set.IsFileMember(path));
        }
        for (int i = 0; i < 20_000; i++)
        {
            string never = $"containers/docker/x/filesystem/changed/data/d{i / 1000:D3}/g{i:D6}.txt";
            Assert.DoesNotContain(never, reference);
            Assert.False(set.IsFileMember(never));
            Assert.True(set.Add(never));
        }
        Assert.Equal(220_000, set.Count);
    }
}
