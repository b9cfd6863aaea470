using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// The acquisition record's <c>source</c>, as Core's writer writes it for a disk image opened
/// dead-box (a directory with the imaged machine's /etc, found on a read-write mount of a
/// mountinfo fixture) and for a live collection, is read back typed: locality, root, mount,
/// the read-write warning, the imaged machine's facts; a mount that could not be found, an
/// archive from before dead-box, and a field of the wrong type.
/// </summary>
public sealed class AcquisitionSourceRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-source-").FullName;

    private string Image => Path.Join(_dir, "image");

    private string Proc => Path.Join(_dir, "proc");

    public AcquisitionSourceRoundTripTests()
    {
        Directory.CreateDirectory(Image + "/etc");
        File.WriteAllText(Image + "/etc/hostname", "web-01\n");
        File.WriteAllText(Image + "/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        File.WriteAllText(Image + "/etc/os-release", "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
        Directory.CreateDirectory(Proc + "/self");
    }

    [Fact]
    public async Task A_disk_image_on_a_read_write_mount_reads_back_with_its_root_mount_warning_and_facts()
    {
        // The root's own mount (the longest mount point containing it) is the one recorded.
        File.WriteAllText(Proc + "/self/mountinfo",
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n" +
            $"97 22 8:17 / {_dir} rw,noatime shared:50 - ext4 /dev/sdb1 rw,norecovery\n");
        using var image = DiskImage.Open(Image, "/", Proc);

        var (record, problems) = await ReadBackAsync(Record(image));

        Assert.Empty(problems);
        var source = record.Source!;
        Assert.True(source.IsDiskImage);
        Assert.Equal(new AcquisitionSource("diskImage", Image, Image, source.Mount, true, null, source.Image), source);
        Assert.Equal(new AcquisitionMount("8:17", "/dev/sdb1", "ext4", _dir, "rw,noatime", "rw,norecovery"), source.Mount);
        Assert.Equal(new AcquisitionImageFacts("web-01", "0123456789abcdef0123456789abcdef", "Debian GNU/Linux 12 (bookworm)"), source.Image);
    }

    [Fact]
    public async Task A_read_only_mount_is_no_warning_and_a_mount_not_found_says_why()
    {
        File.WriteAllText(Proc + "/self/mountinfo", $"97 22 8:17 / {_dir} ro,noatime shared:50 - ext4 /dev/sdb1 ro\n");
        using (var image = DiskImage.Open(Image, "/", Proc))
        {
            var (record, problems) = await ReadBackAsync(Record(image));
            Assert.Empty(problems);
            Assert.False(record.Source!.MountedReadWrite);
            Assert.Equal("ro,noatime", record.Source.Mount!.Options);
        }

        File.WriteAllText(Proc + "/self/mountinfo", "97 22 8:17 / /elsewhere ro shared:50 - ext4 /dev/sdb1 ro\n");
        using (var image = DiskImage.Open(Image, "/", Proc))
        {
            var (record, problems) = await ReadBackAsync(Record(image));
            Assert.Empty(problems);
            Assert.Null(record.Source!.Mount);
            Assert.Null(record.Source.MountedReadWrite);
            Assert.Equal($"no mount in {Proc}/self/mountinfo contains {Image}", record.Source.MountProblem);
            Assert.Equal("web-01", record.Source.Image!.Hostname);
        }
    }

    [Fact]
    public async Task A_live_collection_is_live_an_old_archive_has_no_source_and_a_wrong_type_is_a_problem()
    {
        var (live, none) = await ReadBackAsync(Record(null));
        Assert.Empty(none);
        Assert.Equal(new AcquisitionSource("live", null, null, null, null, null, null), live.Source);
        Assert.False(live.Source!.IsDiskImage);

        var (old, oldProblems) = await ReadBackAsync("""{"format":"cfir-evidence/1.0","options":{"filesystem":"changed"}}"""u8.ToArray());
        Assert.Empty(oldProblems);
        Assert.Null(old.Source);

        string wrong = """{"format":"cfir-evidence/1.0","source":{"kind":"diskImage","root":"/mnt/e","mount":{"device":8,"fsType":"ext4"},"mountedReadWrite":"yes"}}""";
        var (bad, problems) = await ReadBackAsync(Encoding.UTF8.GetBytes(wrong));
        Assert.Equal("/mnt/e", bad.Source!.Root);
        Assert.Null(bad.Source.Mount!.Device);
        Assert.Equal("ext4", bad.Source.Mount.FsType);
        Assert.Null(bad.Source.MountedReadWrite);
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Field == "source.mount.device");
        Assert.Contains(problems, p => p.Field == "source.mountedReadWrite");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a temporary folder left behind is harmless
        }
    }

    private static byte[] Record(DiskImage? image)
    {
        var info = new AcquisitionInfo { ToolName = "cfir", ToolVersion = "1", ToolCommit = "c", CommandLine = ["cfir"], FormatVersion = ArchiveNames.FormatVersion, OutputDescription = "stdout" };
        var discovery = new DiscoveryResult([], explicitRequest: false) { DiskImage = image };
        return AcquisitionRecord.Build(info, new HostFacts { Hostname = "examiner" }, discovery, new CollectionOptions(), new UnixTime(1_764_000_000, 0), TimeProvider.System);
    }

    private static async Task<(AcquisitionRecordDocument Record, List<ReaderProblem> Problems)> ReadBackAsync(byte[] json)
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
            await w.AddAsync(new ArchiveEntry { Path = EvidenceLayout.AcquisitionRecord, Content = EvidenceContent.FromBytes(json) }, default));
        var problems = new List<ReaderProblem>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive), new ArchiveReaderOptions { OnProblem = problems.Add });
        while (reader.MoveNext())
        {
        }
        return (reader.Acquisition!, problems);
    }
}
