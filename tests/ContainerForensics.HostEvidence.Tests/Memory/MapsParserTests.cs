using System.Text;
using ContainerForensics.HostEvidence.Memory;

namespace ContainerForensics.HostEvidence.Tests.Memory;

public sealed class MapsParserTests
{
    // Lines as fs/proc/task_mmu.c prints them: padding before the path, spaces inside it,
    // " (deleted)", pseudo-names, and an anonymous mapping with its trailing space.
    private const string Smaps =
        "55d6df92c000-55d6df92e000 r--p 00000000 fe:00 248174                     /usr/bin/sleep\n" +
        "Size:                  8 kB\n" +
        "VmFlags: rd mr mw me sd \n" +
        "55d703245000-55d703266000 rw-p 00000000 00:00 0                          [heap]\n" +
        "VmFlags: rd wr mr mw me ac sd\n" +
        "7fb500c02000-7fb500c05000 rw-p 00000000 00:00 0 \n" +
        "7fb500de9000-7fb500df0000 r--s 00003000 fe:00 331548                     /tmp/a dir/with  two spaces (deleted)\n" +
        "7fb500df3000-7fb500df4000 rw-s 00000000 00:01 1035                       /dev/zero (deleted)\n" +
        "7fb500df7000-7fb500df9000 r--p 00000000 00:00 0                          [vvar]\n" +
        "VmFlags: rd mr pf io de dd sd\n" +
        "7ffe9f36d000-7ffe9f38e000 rw-p 00000000 00:00 0                          [stack]\n" +
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n" +
        "100000000-100001000 ---p 00000000 103:0a 12                               /weird/major\n";

    [Fact]
    public void Region_lines_keep_paths_byte_exact_and_smaps_flags_attach_to_their_region()
    {
        var parser = new MapsParser();
        Assert.Equal(Smaps.Length, parser.ParseLines(Encoding.ASCII.GetBytes(Smaps)));
        var r = parser.Regions;

        Assert.Equal(9, r.Count);
        Assert.Equal(0, parser.MalformedLines);
        Assert.Equal(0x55d6df92c000ul, r[0].Start);
        Assert.Equal(0x55d6df92e000ul, r[0].End);
        Assert.Equal("/usr/bin/sleep", r[0].DisplayName);
        Assert.True(r[0].Read && !r[0].Write && !r[0].Execute && !r[0].Shared);
        Assert.Equal(["rd", "mr", "mw", "me", "sd"], r[0].VmFlags);
        Assert.True(r[0].IsFileBacked);
        Assert.Equal(0xfeu, r[0].DevMajor);
        Assert.Equal(248174ul, r[0].Inode);

        Assert.Equal("[heap]", r[1].DisplayName);
        Assert.False(r[1].IsFileBacked);
        Assert.Contains("ac", r[1].VmFlags!);

        Assert.Empty(r[2].Path);
        Assert.Null(r[2].VmFlags);
        Assert.False(r[2].IsFileBacked);

        Assert.Equal("/tmp/a dir/with  two spaces (deleted)"u8.ToArray(), r[3].Path);
        Assert.True(r[3].Shared);
        Assert.Equal(0x3000ul, r[3].FileOffset);

        Assert.Equal("/dev/zero (deleted)", r[4].DisplayName);
        Assert.True(r[4].IsFileBacked);

        Assert.True(r[5].HasVmFlag("io") && r[5].HasVmFlag("pf"));
        Assert.Null(r[6].VmFlags);
        Assert.Equal("[stack]", r[6].DisplayName);
        Assert.Equal(0xffffffffff600000ul, r[7].Start);
        Assert.False(r[7].Read);
        Assert.Equal(0x100000000ul, r[8].Start);
        Assert.Equal(0x103u, r[8].DevMajor);
        Assert.Equal(0xau, r[8].DevMinor);
        Assert.Equal("7fb500de9000-7fb500df0000", r[3].MapFilesName);
    }

    [Fact]
    public void Chunk_boundaries_do_not_change_the_result()
    {
        var whole = new MapsParser();
        whole.ParseLines(Encoding.ASCII.GetBytes(Smaps));
        var bytes = Encoding.ASCII.GetBytes(Smaps);
        for (int chunk = 1; chunk < 80; chunk++)
        {
            var parser = new MapsParser();
            var pending = new List<byte>();
            for (int at = 0; at < bytes.Length; at += chunk)
            {
                pending.AddRange(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)).ToArray());
                int consumed = parser.ParseLines(pending.ToArray());
                pending.RemoveRange(0, consumed);
            }
            Assert.Empty(pending);
            Assert.Equal(whole.Regions.Select(r => r.ToString()), parser.Regions.Select(r => r.ToString()));
            Assert.Equal(whole.Regions.Select(r => r.VmFlags?.Count), parser.Regions.Select(r => r.VmFlags?.Count));
        }
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("7fb5-7fb4 rw-p 00000000 00:00 0")]            // end before start
    [InlineData("7fb5-7fb6 rw-q 00000000 00:00 0")]            // unknown sharing column
    [InlineData("7fb5-7fb6 rwxps 00000000 00:00 0")]           // five permission columns
    [InlineData("7fb5-7fb6 rw-p 0000zz00 00:00 0")]            // offset not hex
    [InlineData("7fb5-7fb6 rw-p 00000000 0000 0")]             // device without colon
    [InlineData("7fb5-7fb6 rw-p 00000000 00:00 x [heap]")]     // inode not a number
    [InlineData("10000000000000000-10000000000000001 rw-p 00000000 00:00 0")] // past 64 bits
    public void Lines_of_neither_shape_are_counted_never_guessed(string line)
    {
        var parser = new MapsParser();
        parser.ParseLine(Encoding.ASCII.GetBytes(line));
        Assert.Empty(parser.Regions);
        Assert.Equal(1, parser.MalformedLines);
    }

    [Fact]
    public void Smaps_key_lines_before_any_region_are_ignored()
    {
        var parser = new MapsParser();
        parser.ParseLines("VmFlags: rd\nRss:  4 kB\n"u8);
        Assert.Empty(parser.Regions);
        Assert.Equal(0, parser.MalformedLines);
    }
}
