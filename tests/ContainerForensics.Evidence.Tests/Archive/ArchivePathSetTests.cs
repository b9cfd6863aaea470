namespace ContainerForensics.Evidence.Tests.Archive;

public sealed class ArchivePathSetTests
{
    [Fact]
    public void A_path_is_added_once_and_told_apart_from_its_neighbours()
    {
        var set = new ArchivePathSet();
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/passwd"));
        Assert.False(set.Add("containers/docker/web/filesystem/changed/etc/passwd"));
        // One code unit apart, a prefix, and the same text in another case are other paths.
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/passwe"));
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/passw"));
        Assert.True(set.Add("containers/docker/web/filesystem/changed/etc/PASSWD"));
        Assert.True(set.Add(""));
        Assert.False(set.Add(""));
        Assert.Equal(5, set.Count);
    }

    [Fact]
    public void Only_a_marked_path_is_a_file_member()
    {
        var set = new ArchivePathSet();
        set.Add("fs/dir");
        set.Add("fs/file");
        Assert.False(set.IsFileMember("fs/file"));
        set.MarkFileMember("fs/file");
        Assert.True(set.IsFileMember("fs/file"));
        Assert.False(set.IsFileMember("fs/dir"));      // written, but without content
        Assert.False(set.IsFileMember("fs/never"));    // never written
        Assert.False(set.Add("fs/file"));              // marking keeps it taken
    }

    [Fact]
    public void Many_generated_paths_are_all_distinct()
    {
        // 200,000 names that differ only in a few digits, as a large layer's do.
        var set = new ArchivePathSet();
        for (int i = 0; i < 200_000; i++)
        {
            Assert.True(set.Add($"containers/docker/x/filesystem/changed/data/d{i / 1000:D3}/f{i:D6}.txt"));
        }
        Assert.Equal(200_000, set.Count);
        Assert.False(set.Add("containers/docker/x/filesystem/changed/data/d123/f123456.txt"));
    }
}
