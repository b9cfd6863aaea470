using ContainerForensics.TestSupport;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Containerd.Cri.Logs;
using ContainerForensics.Core.Logs;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Containerd.Tests;

public sealed class CriLogParserTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cfir-cri-logs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task<(List<CriLogRecord> Records, CriLogFileReport Report)> ParseAsync(string text, CriLogParser? parser = null, bool flush = true)
    {
        parser ??= new CriLogParser();
        var report = new CriLogFileReport { File = "0.log" };
        var records = new List<CriLogRecord>();
        await foreach (var r in parser.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), report, default))
        {
            records.Add(r);
        }
        if (flush)
        {
            records.AddRange(parser.Flush());
        }
        return (records, report);
    }

    [Fact]
    public async Task Partial_parts_are_joined_per_stream_even_when_interleaved()
    {
        var (records, report) = await ParseAsync(
            "2026-11-22T05:10:51.000000001Z stdout P ab\n" +
            "2026-11-22T05:10:51.5Z stderr F err\n" +
            "2026-11-22T05:10:52Z stdout P cd\n" +
            "2026-11-22T05:10:53.123456789Z stdout F ef\n" +
            "2026-11-22T05:10:54Z stdout F \n");

        Assert.Equal(3, records.Count);
        Assert.Equal(("stderr", "err", 1, 2L), (records[0].Stream, Encoding.UTF8.GetString(records[0].Content), records[0].Parts, records[0].Line));
        Assert.Equal(("stdout", "abcdef", 3, 1L), (records[1].Stream, Encoding.UTF8.GetString(records[1].Content), records[1].Parts, records[1].Line));
        Assert.Equal("2026-11-22T05:10:51.000000001Z", records[1].Time);
        Assert.Equal("2026-11-22T05:10:51.000000001Z", records[1].TimeAsWritten);
        Assert.Equal("", Encoding.UTF8.GetString(records[2].Content));
        Assert.All(records, r => Assert.True(r.Complete));
        Assert.Equal((5L, 3L, 2L, 0L), (report.Lines, report.Records, report.PartialParts, report.Malformed));
    }

    [Fact]
    public async Task Time_with_an_offset_is_given_in_utc_with_nine_digits()
    {
        var (records, _) = await ParseAsync("2026-11-22T06:10:51.5+01:00 stdout F x\n");
        Assert.Equal("2026-11-22T05:10:51.500000000Z", Assert.Single(records).Time);
        Assert.Equal("2026-11-22T06:10:51.5+01:00", records[0].TimeAsWritten);
    }

    [Fact]
    public async Task Malformed_lines_are_counted_with_their_numbers_and_the_rest_is_parsed()
    {
        var (records, report) = await ParseAsync(
            "not a log line\n" +
            "2026-11-22T05:10:51Z stdout F good\n" +
            "2026-13-22T05:10:51Z stdout F bad month\n" +
            "2026-11-22T05:10:51Z stdin F bad stream\n" +
            "2026-11-22T05:10:51Z stdout X bad tag\n" +
            "2026-11-22T05:10:51Z stdout F:x tagged\n");

        Assert.Equal(["good", "tagged"], records.Select(r => Encoding.UTF8.GetString(r.Content)));
        Assert.Equal(4, report.Malformed);
        Assert.Equal([1L, 3L, 4L, 5L], report.MalformedLines.Select(m => m.Line));
    }

    [Fact]
    public async Task Parts_without_their_full_part_end_as_incomplete_and_an_unterminated_line_is_noted()
    {
        var (records, report) = await ParseAsync("2026-11-22T05:10:51Z stdout P abc\n2026-11-22T05:10:52Z stderr F cut");
        Assert.Equal(("stderr", "cut", true), (records[0].Stream, Encoding.UTF8.GetString(records[0].Content), records[0].Complete));
        Assert.Equal(("stdout", "abc", false), (records[1].Stream, Encoding.UTF8.GetString(records[1].Content), records[1].Complete));
        Assert.True(report.UnterminatedLastLine);
    }

    [Fact]
    public async Task Memory_is_bounded_long_lines_are_malformed_and_long_joins_continue()
    {
        var parser = new CriLogParser(maxLineBytes: 64, maxJoinedBytes: 10);
        var (records, report) = await ParseAsync(
            "2026-11-22T05:10:51Z stdout F " + new string('x', 100) + "\n" +
            "2026-11-22T05:10:52Z stdout P 0123456\n" +
            "2026-11-22T05:10:53Z stdout F 789abcdef\n", parser);

        Assert.Equal(1, report.Malformed);
        Assert.Equal(["0123456789", "abcdef"], records.Select(r => Encoding.UTF8.GetString(r.Content)));
        Assert.True(records[0].Continues);
        Assert.False(records[1].Continues);
    }

    [Fact]
    public void Invalid_utf8_is_written_as_bytes()
    {
        var record = new CriLogRecord { TimeAsWritten = "t", Time = "t", Stream = "stdout", Content = [0x66, 0xff, 0x0a], Parts = 1, File = "0.log", Line = 1 };
        using var json = JsonDocument.Parse(CriLogJson.Line(record));
        Assert.False(json.RootElement.TryGetProperty("text", out _));
        Assert.Equal(record.Content, json.RootElement.GetProperty("bytes").GetBytesFromBase64());
    }

    [Fact]
    public async Task Folder_files_are_kept_as_on_disk_and_parsed_in_rotation_order_across_gzip()
    {
        string folder = Path.Combine(_root, "ns_pod_uid", "app");
        Directory.CreateDirectory(folder);
        byte[] rotated = Gzip("2026-11-22T05:00:00Z stdout F first\n2026-11-22T05:00:01Z stdout P split-\n"u8.ToArray());
        await File.WriteAllBytesAsync(Path.Combine(folder, "0.log.20261122-050001.gz"), rotated);
        await File.WriteAllTextAsync(Path.Combine(folder, "0.log.20261122-050002"), "2026-11-22T05:00:02Z stdout P across-\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "0.log"), "2026-11-22T05:00:03Z stdout F rotation\ngarbage\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not a log");
        File.CreateSymbolicLink(Path.Combine(folder, "1.log"), "/etc/passwd");
        var sink = new RecordingSink();

        await CriLogFiles.CaptureAsync(sink, Path.Combine(folder, "0.log"), CaptureLimits.None, default);

        foreach (string name in new[] { "0.log.20261122-050001.gz", "0.log.20261122-050002", "0.log", "notes.txt" })
        {
            Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(folder, name))), SHA256.HashData(sink["files/" + name].Bytes!));
        }
        // The symlink is kept as a symlink, never read through.
        Assert.Null(sink["files/1.log"].Bytes);
        var lines = Encoding.UTF8.GetString(sink[CriLogFiles.ParsedName].Bytes!).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["first", "split-across-rotation"], lines.Select(l => l.GetProperty("text").GetString()));
        Assert.Equal(("0.log.20261122-050001.gz", 2, 3), (lines[1].GetProperty("file").GetString(), lines[1].GetProperty("line").GetInt32(), lines[1].GetProperty("parts").GetInt32()));
        using var report = JsonDocument.Parse(sink[CriLogFiles.ReportName].Bytes);
        var files = report.RootElement.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("file").GetString()!);
        Assert.True(files["0.log.20261122-050001.gz"].GetProperty("gzip").GetBoolean());
        Assert.Equal(1, files["0.log"].GetProperty("malformed").GetInt32());
        Assert.Equal(2, files["0.log"].GetProperty("malformedLines")[0].GetProperty("line").GetInt32());
        Assert.Contains("not parsed", files["notes.txt"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task A_symlinked_container_folder_is_not_followed()
    {
        Directory.CreateDirectory(Path.Combine(_root, "ns_pod_uid"));
        File.CreateSymbolicLink(Path.Combine(_root, "ns_pod_uid", "app"), "/etc");
        var sink = new RecordingSink();

        await CriLogFiles.CaptureAsync(sink, Path.Combine(_root, "ns_pod_uid", "app", "0.log"), CaptureLimits.None, default);

        var failed = Assert.Single(sink.Items);
        Assert.Equal(Core.Evidence.EntryStatus.Failed, failed.Item.Status);
        Assert.Contains("symlink is never followed", failed.Item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Beneath_a_nested_root_no_part_of_the_log_path_is_trusted()
    {
        // A node's root whose /var/log is a link to a folder outside it (here: one that holds a
        // plausible log): beneath a nested root even /var/log/pods is the node's, so the link fails.
        string root = Path.Combine(_root, "node-root");
        string outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "pods", "ns_pod_uid", "app"));
        await File.WriteAllTextAsync(Path.Combine(outside, "pods", "ns_pod_uid", "app", "0.log"), "2026-11-22T05:00:00Z stdout F not the node's\n");
        Directory.CreateDirectory(Path.Combine(root, "var"));
        File.CreateSymbolicLink(Path.Combine(root, "var", "log"), outside);
        var sink = new RecordingSink();

        await CriLogFiles.CaptureAsync(sink, "/var/log/pods/ns_pod_uid/app/0.log", CaptureLimits.None, default, root + "/.");

        var failed = Assert.Single(sink.Items);
        Assert.Equal(Core.Evidence.EntryStatus.Failed, failed.Item.Status);
        Assert.Contains("symlink is never followed", failed.Item.Reason, StringComparison.Ordinal);

        // The same folder as real directories beneath the root is read.
        File.Delete(Path.Combine(root, "var", "log"));
        Directory.CreateDirectory(Path.Combine(root, "var", "log", "pods", "ns_pod_uid", "app"));
        await File.WriteAllTextAsync(Path.Combine(root, "var", "log", "pods", "ns_pod_uid", "app", "0.log"), "2026-11-22T05:00:00Z stdout F the node's\n");
        sink = new RecordingSink();
        await CriLogFiles.CaptureAsync(sink, "/var/log/pods/ns_pod_uid/app/0.log", CaptureLimits.None, default, root + "/.");
        Assert.Contains("the node's", sink["files/0.log"].Text, StringComparison.Ordinal);
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return output.ToArray();
    }
}
