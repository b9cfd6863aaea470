namespace ContainerForensics.Containerd.Tests;

public sealed class RealPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-realpath-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Resolve_DirectoryLinksAbsoluteAndRelative()
    {
        string real = RealPath.Resolve(Directory.CreateDirectory(Path.Combine(_dir, "real")).FullName);
        File.WriteAllText(Path.Combine(real, "f"), "");
        Directory.CreateSymbolicLink(Path.Combine(_dir, "abs"), real);
        Directory.CreateSymbolicLink(Path.Combine(_dir, "rel"), "real");
        File.CreateSymbolicLink(Path.Combine(real, "fl"), "../rel/f");

        Assert.Equal(Path.Combine(real, "f"), RealPath.Resolve(Path.Combine(_dir, "abs", "f")));
        Assert.Equal(Path.Combine(real, "f"), RealPath.Resolve(Path.Combine(_dir, "rel", "f")));
        Assert.Equal(Path.Combine(real, "f"), RealPath.Resolve(Path.Combine(_dir, "abs", "fl")));
        Assert.Equal(Path.Combine(real, "f"), RealPath.Resolve(Path.Combine(_dir, "rel", ".", "x", "..", "f")));
    }

    [Fact]
    public void Resolve_KeepsAMissingTail()
    {
        Directory.CreateSymbolicLink(Path.Combine(_dir, "l"), Path.Combine(_dir, "gone"));
        string root = RealPath.Resolve(_dir);

        Assert.Equal(Path.Combine(root, "gone", "x.sock"), RealPath.Resolve(Path.Combine(_dir, "l", "x.sock")));
    }

    [Fact]
    public void Resolve_ALoopEnds()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "a"), "b");
        File.CreateSymbolicLink(Path.Combine(_dir, "b"), "a");

        Assert.NotNull(RealPath.Resolve(Path.Combine(_dir, "a")));
    }
}
