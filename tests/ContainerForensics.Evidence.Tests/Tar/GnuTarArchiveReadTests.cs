using System.Text;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// Interop the other way round: archives GNU tar itself writes (<c>--format=posix</c>, and
/// <c>--format=gnu</c> for 'L'/'K' long names and base-256 numbers) read by our reader must match
/// the files on disk, as find(1) and stat(1) see them.
/// </summary>
public sealed class GnuTarArchiveReadTests
{
    private static readonly byte[] LongName = Encoding.ASCII.GetBytes(string.Join('/', Enumerable.Range(0, 6).Select(i => new string((char)('k' + i), 40))) + "/file");

    [Theory]
    [InlineData("posix")]
    [InlineData("gnu")]
    public void Gnu_tar_archive_matches_the_tree_it_was_made_from(string format)
    {
        using var temp = new TempDirectory();
        string src = temp.Combine("src");
        MakeTree(temp.Path);

        // The gnu format has no xattrs and stores sparse files as old-GNU 'S' entries (which we
        // refuse), so those options only go with posix.
        string[] options = format == "posix" ? ["--xattrs", "--xattrs-include=*", "--sparse"] : [];
        ExternalTools.TarOk(temp.Path, [$"--format={format}", .. options, "-cf", "g.tar", "-C", "src", "."]);
        var disk = ExtractedTree.Read(src);
        var read = TarTestArchive.ReadAll(File.ReadAllBytes(temp.Combine("g.tar")));

        var byName = read.ToDictionary(r => ExtractedTree.Key(r.Entry.Header.Name).TrimStart('.').TrimStart('/').TrimEnd('/'), StringComparer.Ordinal);
        byName.Remove("");  // "./" itself
        Assert.Equal(disk.Keys.Order(StringComparer.Ordinal), byName.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, node) in disk)
        {
            var (entry, content) = byName[key];
            var h = entry.Header;
            Assert.True(node.Mode == h.Mode, $"{key}: mode {node.Mode} vs {h.Mode}");
            Assert.Equal((node.Uid, node.Gid), (h.Uid, h.Gid));
            if (format == "posix")
            {
                Assert.Equal((node.Seconds, node.Nanoseconds), (h.ModifiedTime.Seconds, h.ModifiedTime.Nanoseconds));
            }
            else
            {
                Assert.Equal(node.Seconds, h.ModifiedTime.Seconds);  // the gnu format has whole seconds only
            }
            switch (node.Type)
            {
                case 'f' when h.Type == TarEntryType.HardLink:
                    // Whichever of the two names GNU tar met first holds the data; the other links to it.
                    string target = ExtractedTree.Key(h.LinkName!).TrimStart('.').TrimStart('/');
                    Assert.Contains(target, new[] { "hard-target", "hard-link" });
                    Assert.NotEqual(key, target);
                    Assert.Equal(node.Inode, disk[target].Inode);
                    break;
                case 'f':
                    Assert.Equal(TarEntryType.Regular, h.Type);
                    Assert.Equal(node.Size, h.Size);
                    if (Ascii.IsValid(node.Path))
                    {
                        // .NET cannot open a non-UTF-8 name; that file's content is checked below.
                        Assert.Equal(File.ReadAllBytes(Path.Combine(src, Encoding.ASCII.GetString(node.Path))), content);
                    }
                    break;
                case 'd':
                    Assert.Equal(TarEntryType.Directory, h.Type);
                    break;
                case 'l':
                    Assert.Equal(TarEntryType.Symlink, h.Type);
                    Assert.Equal(node.LinkTarget, h.LinkName);
                    break;
                case 'p':
                    Assert.Equal(TarEntryType.Fifo, h.Type);
                    break;
                case 'c':
                    Assert.Equal(TarEntryType.CharDevice, h.Type);
                    Assert.Equal((1u, 5u), (h.DevMajor, h.DevMinor));
                    break;
                default:
                    Assert.Fail($"unexpected type {node.Type} for {key}");
                    break;
            }
        }

        var binary = byName[ExtractedTree.Key([(byte)'b', 0xFF, 0xFE])];
        Assert.Equal(new byte[] { 9 }, binary.Content);
        var sparse = byName["sparse"];
        Assert.Equal(3L << 20, sparse.Entry.Header.Size);
        if (format == "posix")
        {
            Assert.NotNull(sparse.Entry.Header.Sparse);  // GNU sparse 1.0 map decoded
            Assert.Equal(new byte[] { 0, 0x80, 0xFF, (byte)'\n' }, byName["xattr"].Entry.Header.ExtendedAttributes.Single(x => x.Key == "user.evidence").Value);
            Assert.Equal(3_000_000_000, byName["bigid"].Entry.Header.Uid);
        }
        Assert.Equal([.. "./"u8, .. LongName], byName[Encoding.ASCII.GetString(LongName)].Entry.Header.Name);  // via pax path or GNU 'L'
    }

    private static void MakeTree(string root)
    {
        string src = Path.Combine(root, "src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "plain.txt"), "plain\n");
        File.WriteAllBytes(Path.Combine(src, "hard-target"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(src, "xattr"), [4]);
        Xattr.Set(Path.Combine(src, "xattr"), "user.evidence", [0, 0x80, 0xFF, (byte)'\n']);
        File.WriteAllBytes(Path.Combine(src, "bigid"), [5]);
        string longPath = Path.Combine(src, Encoding.ASCII.GetString(LongName));
        Directory.CreateDirectory(Path.GetDirectoryName(longPath)!);
        File.WriteAllBytes(longPath, [6, 7]);
        using (var f = File.Create(Path.Combine(src, "sparse")))
        {
            f.SetLength(3L << 20);
            f.Position = 1 << 20;
            f.Write(new byte[] { 8, 8, 8 });
        }
        ExternalTools.RunOk(src, "sh", "-c",
            "ln hard-target hard-link && ln -s 'plain.txt' sym && mkfifo fifo && mknod dev c 1 5 && "
            + "printf '\\011' > \"$(printf 'b\\377\\376')\" && chown 3000000000:3000000001 bigid && chmod 4750 plain.txt && "
            + "mkdir -p 'new\nline' && touch -h -d '2021-02-03 04:05:06.123456789' plain.txt sym fifo");
    }
}
