using System.Text;
using ContainerForensics.Core.Host.Mounts;
using ContainerForensics.HostEvidence.Mounts;
using ContainerForensics.HostEvidence.Processes;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>The decoders of /proc text, on the formats' edge cases (proc(5)).</summary>
public sealed class ProcParsingTests
{
    [Fact]
    public void Stat_fields_are_counted_from_the_last_parenthesis()
    {
        // comm is chosen by the process (prctl PR_SET_NAME): it may hold spaces and ") ".
        var text = "4242 (evil) S 1 (x) R 7 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 123456 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"u8;
        var stat = ProcStat.TryParse(text);
        Assert.NotNull(stat);
        Assert.Equal("evil) S 1 (x"u8.ToArray(), stat.Command);
        Assert.Equal('R', stat.State);
        Assert.Equal(7, stat.ParentPid);
        Assert.Equal(3, stat.Threads);
        Assert.Equal(123456UL, stat.StartTicks);
    }

    [Fact]
    public void Stat_that_is_cut_short_is_not_guessed()
    {
        Assert.Null(ProcStat.TryParse("12 (sleep) S 1 2 3"u8));
        Assert.Null(ProcStat.TryParse(""u8));
    }

    [Fact]
    public void Start_time_is_boot_time_plus_ticks()
    {
        var clock = new BootClock(1_700_000_000, 100);
        var start = clock.StartOf(123_456);
        Assert.Equal(1_700_001_234, start.Seconds);
        Assert.Equal(560_000_000u, start.Nanoseconds);
    }

    [Fact]
    public void Status_identities_capabilities_and_seccomp_are_decoded()
    {
        var text = """
            Name:	sleep
            Umask:	0022
            State:	S (sleeping)
            Tgid:	4242
            NSpid:	4242	1
            PPid:	4200
            TracerPid:	0
            Uid:	0	1000	0	1000
            Gid:	0	0	0	0
            Groups:	0 1 2 3 4 6 10 11 20 26 27 
            Threads:	1
            CapInh:	0000000000000000
            CapPrm:	00000000a80425fb
            CapEff:	00000000a80425fb
            CapBnd:	00000000a80425fb
            CapAmb:	0000000000000000
            NoNewPrivs:	0
            Seccomp:	2
            Seccomp_filters:	1

            """u8;
        var status = ProcStatus.Parse(text);
        Assert.Equal([0L, 1000, 0, 1000], status.Uids);
        Assert.Equal([4242, 1], status.NamespacePids);
        Assert.Equal(11, status.Groups!.Count);
        Assert.Equal(0xa80425fbUL, status.CapEff);
        Assert.Equal(2, status.Seccomp);
        Assert.Equal(0, status.NoNewPrivs);

        // Docker's default set: 14 capabilities, CAP_CHOWN in, CAP_SYS_ADMIN out.
        var names = LinuxCapabilities.Decode(status.CapEff!.Value);
        Assert.Equal(14, names.Count);
        Assert.Contains("CAP_CHOWN", names);
        Assert.Contains("CAP_AUDIT_WRITE", names);
        Assert.DoesNotContain("CAP_SYS_ADMIN", names);
        Assert.Equal("filter", LinuxCapabilities.SeccompModeName(2));
        Assert.Equal(["CAP_CHECKPOINT_RESTORE", "CAP_41", "CAP_63"], LinuxCapabilities.Decode((1UL << 40) | (1UL << 41) | (1UL << 63)));
    }

    [Fact]
    public void Cmdline_keeps_arguments_byte_exact()
    {
        byte[] cmdline = [.. "sh\0-c\0echo "u8, 0xff, 0, 0];
        var (argv, unterminated) = ProcessCapture.SplitArgv(cmdline);
        Assert.Equal(4, argv.Count);
        Assert.Equal(""u8.ToArray(), argv[3]);
        Assert.False(unterminated);

        var (rewritten, cut) = ProcessCapture.SplitArgv("nginx: worker process"u8);
        Assert.Single(rewritten);
        Assert.True(cut);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_written_as_base64()
    {
        var json = Encoding.UTF8.GetString(EvidenceJson.Build(w =>
        {
            w.WriteStartObject();
            EvidenceJson.WriteBytes(w, "exe", [0x2f, 0x78, 0xff]);
            EvidenceJson.WriteBytes(w, "cwd", "/tmp/ü"u8.ToArray());
            EvidenceJson.WriteByteArray(w, "argv", ["a"u8.ToArray(), [0xfe]]);
            w.WriteEndObject();
        }));
        Assert.Contains("\"exeBase64\": \"L3j/\"", json, StringComparison.Ordinal);
        Assert.Contains("\"cwd\": \"/tmp/ü\"", json, StringComparison.Ordinal);
        Assert.Contains("\"argvBase64\": [", json, StringComparison.Ordinal);
        Assert.Equal("a\\x0ab\\\\c\\xff", EvidenceJson.Printable([(byte)'a', 0x0a, (byte)'b', (byte)'\\', (byte)'c', 0xff]));
    }

    [Fact]
    public void Mountinfo_of_an_overlay_root_locates_the_layers()
    {
        var text = Encoding.UTF8.GetBytes(
            "520 470 0:52 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/AB:/var/lib/docker/overlay2/l/CD,upperdir=/var/lib/docker/overlay2/123/diff,workdir=/var/lib/docker/overlay2/123/work\n" +
            "521 520 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n" +
            "530 520 8:1 /var/lib/docker/containers/abc/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw\n" +
            "531 520 8:1 /with\\040space\\134and\\012newline /mnt/a\\040b rw - ext4 /dev/sda1 rw\n" +
            "not a mountinfo line\n");
        var problems = new List<string>();
        var mounts = MountInfoParser.Parse(text, problems);

        Assert.Equal(4, mounts.Count);
        Assert.Single(problems);
        var root = mounts[0];
        Assert.Equal(520, root.MountId);
        Assert.Equal(470, root.ParentId);
        Assert.Equal((0u, 52u), (root.Major, root.Minor));
        Assert.Equal(["master:1"u8.ToArray()], root.OptionalFields);
        Assert.Equal(["/var/lib/docker/overlay2/l/AB"u8.ToArray(), "/var/lib/docker/overlay2/l/CD"u8.ToArray()], root.Overlay!.LowerDirs);
        Assert.Equal("/var/lib/docker/overlay2/123/diff"u8.ToArray(), root.Overlay.UpperDir);
        Assert.Equal("/var/lib/docker/overlay2/123/work"u8.ToArray(), root.Overlay.WorkDir);
        Assert.Equal("/etc/resolv.conf"u8.ToArray(), mounts[2].MountPoint);
        Assert.Equal("/with space\\and\nnewline"u8.ToArray(), mounts[3].Root);
        Assert.Equal("/mnt/a b"u8.ToArray(), mounts[3].MountPoint);
        Assert.Null(mounts[1].Overlay);
    }

    [Fact]
    public void Overlay_options_with_escapes_and_data_only_layers()
    {
        var layers = MountInfoLine.Overlay("rw,lowerdir=/a\\:b:/c\\054d::/data,upperdir=/u,workdir=/w,redirect_dir=on"u8);
        Assert.Equal(["/a:b"u8.ToArray(), "/c,d"u8.ToArray()], layers.LowerDirs);
        Assert.Equal(["/data"u8.ToArray()], layers.DataOnlyLowerDirs);
        var plus = MountInfoLine.Overlay("rw,lowerdir+=/l1,lowerdir+=/l2,datadir+=/d,upperdir=/u"u8);
        Assert.Equal(["/l1"u8.ToArray(), "/l2"u8.ToArray()], plus.LowerDirs);
        Assert.Equal(["/d"u8.ToArray()], plus.DataOnlyLowerDirs);
    }

    [Fact]
    public void Socket_and_namespace_inodes_come_from_the_link_text()
    {
        Assert.Equal(4026532345UL, ProcessRecord.LinkInode("net:[4026532345]"u8));
        Assert.Equal(12345UL, new FileDescriptorLink(3, "socket:[12345]"u8.ToArray(), "rw", null).SocketInode);
        Assert.Null(new FileDescriptorLink(4, "pipe:[12345]"u8.ToArray(), "r", null).SocketInode);
        Assert.Null(ProcessRecord.LinkInode("anon_inode:[eventpoll]"u8));
    }
}
