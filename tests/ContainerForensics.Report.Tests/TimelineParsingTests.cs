using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Report.Timeline;

namespace ContainerForensics.Report.Tests;

/// <summary>The timeline's readers of engine times and log lines, and the bodyfile's encodings, against the forms the engines and fls really write.</summary>
public sealed class TimelineParsingTests
{
    [Theory]
    [InlineData("2026-12-07T06:02:45.266447625Z", 1796623365L, 266447625u)]
    [InlineData("2026-12-07T06:02:44.6123Z", 1796623364L, 612300000u)]      // Go's RFC3339Nano drops trailing zeros
    [InlineData("2026-12-07T06:02:44Z", 1796623364L, 0u)]
    [InlineData("2026-12-07T07:02:44.5+01:00", 1796623364L, 500000000u)]
    public void Engine_times_are_read_to_the_nanosecond(string text, long seconds, uint nanos)
    {
        Assert.True(Rfc3339.TryParse(text, out var t));
        Assert.Equal(new UnixTime(seconds, nanos), t);
    }

    [Theory]
    [InlineData("2026-12-07T06:02:44.1234567890Z")]
    [InlineData("yesterday")]
    [InlineData("2026-12-07 06:02:44Z")]
    public void What_is_not_RFC_3339_is_not_guessed(string text) => Assert.False(Rfc3339.TryParse(text, out _));

    [Fact]
    public void Go_zero_time_means_never() =>
        Assert.True(Rfc3339.TryParse("0001-01-01T00:00:00Z", out var t) && Rfc3339.IsZero(t));

    [Theory]
    [InlineData("2026-12-07T06:02:45.1Z hello world", "containers/docker/-/c_1/logs/stdout.log", "hello world", "stdout")]
    [InlineData("2026-12-07T06:02:45.1Z stderr F boom", "containers/containerd/k8s.io/c_1/logs/cri/0.log", "boom", "stderr")]
    [InlineData("{\"log\":\"json line\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-07T06:02:45.1Z\"}", "containers/docker/-/c_1/logs/files/x-json.log", "json line", "stderr")]
    public void Log_lines_in_the_three_shapes_keep_their_text_and_stream(string line, string path, string message, string stream)
    {
        var e = LogLines.Parse(line, 0, path, ArchiveLocation.Of(path));
        Assert.NotNull(e);
        Assert.Equal(message, e.Message);
        Assert.Equal(new UnixTime(1796623365, 100_000_000), e.When);
        Assert.Contains(new KeyValuePair<string, string>("stream", stream), e.Fields);
        Assert.Equal("c_1", e.Container);
    }

    [Fact]
    public void A_line_without_a_time_of_its_own_is_not_placed() =>
        Assert.Null(LogLines.Parse("plain text", 0, "containers/docker/-/c_1/logs/stdout.log", default));

    [Theory]
    [InlineData("file", 0x1EDu, "r/-rwxr-xr-x")]
    [InlineData("directory", 0x3FFu, "d/drwxrwxrwt")]
    [InlineData("file", 0x9EDu, "r/-rwsr-xr-x")]
    [InlineData("symlink", 0x1FFu, "l/lrwxrwxrwx")]
    [InlineData("file", 0x5A4u, "r/-rw-r-Sr--")]
    public void Modes_are_written_as_fls_writes_them(string kind, uint mode, string expected) =>
        Assert.Equal(expected, BodyfileWriter.ModeString(kind, mode));

    [Fact]
    public void A_name_cannot_split_or_forge_a_bodyfile_line()
    {
        var s = new StringBuilder();
        BodyfileWriter.Escape(s, "a|b\nc\\d\u001b[31m");
        Assert.Equal(@"a\x7cb\x0ac\x5cd\x1b[31m", s.ToString());
    }

    [Theory]
    [InlineData("containers/docker/-/web_0123456789ab/volatile/processes.json", "docker", "web_0123456789ab", "volatile")]
    [InlineData("containers/docker/-/node_0123456789ab/nested/containerd/default/app_ba9876543210/logs/stdout.log", "docker", "app_ba9876543210", "logs")]
    [InlineData("runtimes/docker/metadata/events.jsonl", "docker", null, "metadata")]
    public void The_layout_names_the_innermost_container(string path, string runtime, string? container, string section)
    {
        var where = ArchiveLocation.Of(path);
        Assert.Equal((runtime, container, section), (where.Runtime, where.Container, where.Section));
    }
}
