using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>cfir timeline</c> on a real collection, read by the real consumers: Debian's mactime
/// (sleuthkit) for the bodyfile, a line-by-line JSON parse for Timesketch's JSONL. The planted
/// container writes a file whose name would split a bodyfile line and forge another.
/// </summary>
public sealed class TimelineTests
{
    private const string Hostile = "evil|name\nforged|line";

    [EngineFact(Engine.Docker)]
    public async Task A_real_collection_gives_a_bodyfile_mactime_reads_and_a_jsonl_timesketch_takes()
    {
        string marker = "timeline-marker-" + Guid.NewGuid().ToString("N")[..8];
        await using var container = await PlantedContainer.DockerAsync(
            script: $"echo {marker}; echo x > /tmp/planted-{marker}; printf x > \"/tmp/$(printf 'evil|name\\nforged|line')\"; sleep 3600");
        using var dir = new TempDirectory();
        string archive = dir["a.tar.gz"];
        await Task.Delay(500);
        var collect = await CfirProcess.RunAsync(["collect", container.Name, .. CfirProcess.DockerFlags, "-o", archive, "-q"], environment: null);
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());

        string body = dir["t.body"];
        var bodyfile = await CfirProcess.RunAsync("timeline", archive, "-f", "bodyfile", "-o", body);
        Assert.True(bodyfile.ExitCode == 0, bodyfile.Describe());
        var lines = await File.ReadAllLinesAsync(body);
        // Eleven fields on every line: the hostile name split nothing.
        Assert.All(lines, l => Assert.Equal(11, l.Split('|').Length));
        Assert.Contains(lines, l => l.Contains($"docker/{container.Name}_{container.Id[..12]}:/tmp/planted-{marker}|", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@":/tmp/evil\x7cname\x0aforged\x7cline|", StringComparison.Ordinal));

        // The real consumer: mactime lists the planted file with its times.
        var mactime = await ProcessRunner.RunAsync("mactime", ["-b", body, "-d", "-y"]);
        Assert.True(mactime.ExitCode == 0, mactime.Describe());
        Assert.Contains($"/tmp/planted-{marker}", mactime.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain("\nforged", mactime.StdoutText, StringComparison.Ordinal);

        string jsonl = dir["t.jsonl"];
        var timeline = await CfirProcess.RunAsync("timeline", archive, "-o", jsonl);
        Assert.True(timeline.ExitCode == 0, timeline.Describe());
        var events = new List<JsonElement>();
        foreach (string line in await File.ReadAllLinesAsync(jsonl))
        {
            using var doc = JsonDocument.Parse(line);  // every line parses on its own
            var e = doc.RootElement.Clone();
            Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString()));
            Assert.True(DateTimeOffset.TryParse(e.GetProperty("datetime").GetString(), out _));
            Assert.False(string.IsNullOrEmpty(e.GetProperty("timestamp_desc").GetString()));
            events.Add(e);
        }
        Assert.Contains(events, e => e.GetProperty("timestamp_desc").GetString() == "Log line" && e.GetProperty("message").GetString() == marker);
        Assert.Contains(events, e => e.GetProperty("timestamp_desc").GetString() == "Container started" && e.GetProperty("container").GetString() == $"{container.Name}_{container.Id[..12]}");
        Assert.Contains(events, e => e.GetProperty("timestamp_desc").GetString() == "Process started" && e.GetProperty("argv").GetString() == "sleep 3600");
        var planted = Assert.Single(events, e => e.GetProperty("data_type").GetString() == "cfir:file"
            && e.GetProperty("path").GetString()!.EndsWith($"/tmp/planted-{marker}", StringComparison.Ordinal)
            && e.GetProperty("timestamp_desc").GetString()!.Contains("Content Modification Time", StringComparison.Ordinal));
        // The file's hash is the manifest's: the same as sha256 of the bytes "x\n".
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("x\n"u8)), planted.GetProperty("sha256").GetString());
        Assert.Contains(events, e => e.GetProperty("message").GetString()!.Contains(Hostile, StringComparison.Ordinal));

        var csv = await CfirProcess.RunAsync("timeline", archive, "-f", "csv");
        Assert.True(csv.ExitCode == 0, csv.Describe());
        var rows = csv.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("message,datetime,timestamp_desc,", rows[0], StringComparison.Ordinal);
        // The hostile name's newline is written visibly: it starts no row of its own.
        Assert.DoesNotContain(rows, r => r.StartsWith("forged", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains(@"evil|name\x0aforged|line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_that_is_not_an_archive_is_refused_and_nothing_is_overwritten()
    {
        using var dir = new TempDirectory();
        string notArchive = dir["x.tar"];
        await File.WriteAllTextAsync(notArchive, "not a tar");
        var result = await CfirProcess.RunAsync("timeline", notArchive);
        Assert.Equal((int)ExitCode.VerificationFailed, result.ExitCode);

        string existing = dir["out.jsonl"];
        await File.WriteAllTextAsync(existing, "keep");
        var refused = await CfirProcess.RunAsync("timeline", notArchive, "-o", existing);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Equal("keep", await File.ReadAllTextAsync(existing));
    }
}
