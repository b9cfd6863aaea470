using System.Text;
using ContainerForensics.Core.Evidence;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Core.Tests.Evidence;

public sealed class ArchivePathTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(2000);

    [Fact]
    public void Any_name_escapes_to_a_safe_segment_that_unescapes_to_the_same_bytes()
    {
        Prop.ForAll<byte[]>(name =>
        {
            if (name is null || name.Length == 0)
            {
                return true;
            }
            string segment = ArchivePath.EscapeSegment(name);
            return ArchivePath.IsSafe(segment, out _) && !segment.Contains('/', StringComparison.Ordinal) &&
                   segment is not "." and not ".." && ArchivePath.UnescapeSegment(segment).AsSpan().SequenceEqual(name);
        }).Check(Many);
    }

    [Fact]
    public void Any_raw_path_stays_below_its_root()
    {
        var root = ArchivePath.Of("containers", "docker", "-", "x", "filesystem", "changed");
        Prop.ForAll<byte[][]>(parts =>
        {
            var raw = Encoding.UTF8.GetBytes("/").Concat((parts ?? []).Where(p => p is not null).SelectMany(p => p.Append((byte)'/'))).ToArray();
            if (raw.Contains((byte)0))
            {
                return true; // paths on Linux have no NUL; the capture layer refuses them
            }
            try
            {
                var placed = root.AppendRaw(raw);
                return placed.Value == root.Value || placed.Value.StartsWith(root.Value + "/", StringComparison.Ordinal) &&
                       !placed.Value.Split('/').Any(s => s is ".." or "." or "");
            }
            catch (ArgumentException)
            {
                return false;
            }
        }).Check(Many);
    }

    [Theory]
    [InlineData("../../etc/passwd", "x/%2E%2E/%2E%2E/etc/passwd")]
    [InlineData("/abs//a/./b", "x/abs/a/b")]
    [InlineData("evil\nname", "x/evil%0Aname")]
    [InlineData("back\\slash", "x/back%5Cslash")]
    [InlineData("100%", "x/100%25")]
    [InlineData("caf\u00e9", "x/caf\u00e9")]
    [InlineData("\u2028line", "x/%E2%80%A8line")]
    public void Hostile_names_become_distinct_safe_paths(string raw, string expected)
    {
        Assert.Equal(expected, ArchivePath.Of("x").AppendRaw(Encoding.UTF8.GetBytes(raw)).Value);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_escaped_one_by_one()
    {
        Assert.Equal("x/a%FF%FEb", ArchivePath.Of("x").AppendRaw([(byte)'a', 0xFF, 0xFE, (byte)'b']).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/etc")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("a/\n")]
    [InlineData("a\\b")]
    public void Unsafe_paths_are_refused(string value)
    {
        Assert.Throws<ArgumentException>(() => ArchivePath.Parse(value));
    }
}
