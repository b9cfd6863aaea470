using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Tests.FileSystem;

namespace ContainerForensics.Core.Tests.DiskImages;

/// <summary>
/// A disk image is the attacker's: its symlinks resolve inside it as on the imaged machine and
/// never out of it, nothing but regular files is opened, and the mount it lies on is named.
/// Real directories, links and FIFOs made by the real tools.
/// </summary>
public sealed class DiskImageTests : IDisposable
{
    private readonly TempTree _outside = new();
    private readonly TempTree _image = new();

    public void Dispose()
    {
        _outside.Dispose();
        _image.Dispose();
    }

    [Fact]
    public void An_absolute_symlink_of_the_image_resolves_inside_the_image_not_on_this_host()
    {
        // The imaged machine kept Docker's data on /data: /var/lib/docker -> /data/docker.
        _image.WriteFile("data/docker/containers/abc/hostname", "inside\n"u8.ToArray());
        Directory.CreateDirectory(_image.PathOf("var/lib"));
        File.CreateSymbolicLink(_image.PathOf("var/lib/docker"), "/data/docker");
        // The same absolute path on this host must not be what is read.
        using var image = DiskImage.Open(_image.Root, "/");

        var bytes = image.ReadAll("/var/lib/docker/containers/abc/hostname", 1024, out string? problem);

        Assert.Null(problem);
        Assert.Equal("inside\n", Encoding.UTF8.GetString(bytes!));
    }

    [Fact]
    public void Dot_dot_and_links_to_host_paths_stay_beneath_the_root()
    {
        _outside.WriteFile("secret", "host secret"u8.ToArray());
        _image.WriteFile("etc/placeholder", []);
        File.CreateSymbolicLink(_image.PathOf("escape"), _outside.Root);
        File.CreateSymbolicLink(_image.PathOf("up"), "../../../../../../../../" + _outside.Root.TrimStart('/'));
        using var image = DiskImage.Open(_image.Root, "/");

        Assert.Null(image.ReadAll("/escape/secret", 1024, out string? viaAbsolute));
        Assert.Null(image.ReadAll("/up/secret", 1024, out string? viaDots));
        Assert.Null(image.ReadAll("/../../../../" + _outside.Root.TrimStart('/') + "/secret", 1024, out string? literalDots));
        Assert.Contains("ENOENT", viaAbsolute, StringComparison.Ordinal);
        Assert.Contains("ENOENT", viaDots, StringComparison.Ordinal);
        Assert.Contains("ENOENT", literalDots, StringComparison.Ordinal);
    }

    [Fact]
    public void A_final_symlink_is_never_followed_and_its_target_is_kept()
    {
        _image.WriteFile("etc/real", "x"u8.ToArray());
        File.CreateSymbolicLink(_image.PathOf("etc/link"), "real");
        using var image = DiskImage.Open(_image.Root, "/");

        Assert.Null(image.OpenRead("/etc/link", out string? problem));
        Assert.Contains("symlink", problem, StringComparison.Ordinal);
        var capture = image.Capture("/etc/link", CaptureLimits.None);
        Assert.Equal(EntryKind.Symlink, capture.Metadata.Kind);
        Assert.Equal("real", Encoding.UTF8.GetString(capture.Metadata.LinkTarget!));
        Assert.Null(capture.Content);
    }

    [Fact]
    public async Task A_fifo_planted_in_the_image_is_not_opened()
    {
        Directory.CreateDirectory(_image.PathOf("var/lib/docker"));
        Tool.Run("/usr/bin/mkfifo", _image.PathOf("var/lib/docker/meta.db"));
        using var image = DiskImage.Open(_image.Root, "/");

        // Opening a FIFO for reading would block until a writer came: it must return at once.
        var open = Task.Run(() => image.OpenRead("/var/lib/docker/meta.db", out _));
        var handle = await open.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(handle);
        Assert.Null(image.ReadAll("/var/lib/docker/meta.db", 10, out string? problem));
        Assert.Contains("fifo", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tree_walk_and_capture_hash_what_the_image_holds()
    {
        byte[] content = RandomNumberGenerator.GetBytes(100_000);
        _image.WriteFile("var/lib/docker/overlay2/l1/diff/etc/planted", content);
        using var image = DiskImage.Open(_image.Root, "/");

        using var walker = image.OpenTree("/var/lib/docker/overlay2/l1/diff");
        var names = walker.Walk().Select(e => Encoding.UTF8.GetString(e.RelativePath)).ToList();
        var capture = image.Capture("/var/lib/docker/overlay2/l1/diff/etc/planted", CaptureLimits.None);

        Assert.Contains("etc/planted", names);
        Assert.Equal(image.Show("/var/lib/docker/overlay2/l1/diff"), Encoding.UTF8.GetString(walker.RootPath));
        Assert.Equal(EntryStatus.Collected, capture.Status);
        await using var read = capture.Content!;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[8192];
        long offset = 0;
        for (int n; (n = await read.ReadAsync(offset, buffer, CancellationToken.None)) > 0; offset += n)
        {
            hash.AppendData(buffer, 0, n);
        }
        Assert.Equal(SHA256.HashData(content), hash.GetHashAndReset());
    }

    [Fact]
    public void Lists_names_and_says_why_a_directory_is_missing()
    {
        _image.WriteFile("var/lib/docker/containers/a/x", []);
        _image.WriteFile("var/lib/docker/containers/b/x", []);
        using var image = DiskImage.Open(_image.Root, "/");

        var names = image.List("/var/lib/docker/containers", out _)!.Select(n => Encoding.UTF8.GetString(n)).Order().ToList();
        Assert.Equal(["a", "b"], names);
        Assert.Null(image.List("/var/lib/containerd", out string? problem));
        Assert.Contains("ENOENT", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_the_mount_it_lies_on_and_the_imaged_machine()
    {
        _image.WriteFile("etc/hostname", "web-01\n"u8.ToArray());
        _image.WriteFile("usr/lib/os-release", "NAME=X\nPRETTY_NAME=\"Imaged Linux 9\"\n"u8.ToArray());
        File.CreateSymbolicLink(_image.PathOf("etc/os-release"), "../usr/lib/os-release");
        using var image = DiskImage.Open(_image.Root, "/");

        // The independent oracle: findmnt's answer for the same directory.
        string target = Tool.Run("/usr/bin/findmnt", "-n", "-o", "TARGET", "--target", _image.Root).Trim();
        Assert.NotNull(image.Mount);
        Assert.Equal(target, Encoding.UTF8.GetString(image.Mount!.MountPoint));
        Assert.Equal("web-01", image.Facts.Hostname);
        Assert.Equal("Imaged Linux 9", image.Facts.OsPrettyName);
    }

    [Fact]
    public void A_root_that_is_not_a_directory_is_the_responders_to_fix()
    {
        string file = _outside.WriteFile("not-a-dir", []);
        var ex = Assert.Throws<CfirException>(() => DiskImage.Open(file, "/"));
        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
    }
}
