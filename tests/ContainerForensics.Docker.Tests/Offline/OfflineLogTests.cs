using System.IO.Compression;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>
/// The logs phase read from a data root: every file of the local driver's log, rotated and
/// compressed ones included, stored as it is and decoded oldest first; a cut-off frame is
/// recorded where it is; json-file siblings in rotation order.
/// </summary>
public sealed class OfflineLogTests : IDisposable
{
    private const long T0 = 1_796_000_000_000_000_000;

    private readonly FakeDataRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Rotated_and_compressed_local_logs_are_stored_as_they_are_and_decoded_oldest_first()
    {
        string folder = $"containers/{FakeDataRoot.Id}/local-logs";
        File.Delete(_root.Path($"containers/{FakeDataRoot.Id}/{FakeDataRoot.Id}-json.log"));
        _root.Write($"containers/{FakeDataRoot.Id}/hostconfig.json", "{\"LogConfig\":{\"Type\":\"local\",\"Config\":{}}}");
        WriteBytes($"{folder}/container.log.2.gz", Gzip(Frames("oldest", 0)));
        WriteBytes($"{folder}/container.log.1.gz", Gzip(Frames("older", 10)));
        byte[] cut = LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0 + 30, "never finished"));
        WriteBytes($"{folder}/container.log", [.. Frames("newest", 20), .. cut[..^3]]);

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var sink = await FakeDataRoot.CollectAllAsync(Assert.Single(probes).Runtime!);

            Assert.Equal(["files/local-logs/container.log", "files/local-logs/container.log.1.gz", "files/local-logs/container.log.2.gz"],
                sink.Under("files/local-logs/").Select(i => i.Item.Name!).ToList());
            Assert.Equal(Gzip(Frames("oldest", 0)), sink["files/local-logs/container.log.2.gz"].Content);
            var lines = sink["local-parsed.jsonl"].Lines().ToList();
            Assert.Equal(6, lines.Count);
            Assert.Contains("\"text\":\"oldest-1\"", lines[0], StringComparison.Ordinal);
            Assert.Contains("\"file\":\"container.log.2.gz\"", lines[0], StringComparison.Ordinal);
            Assert.Contains("\"text\":\"newest-2\"", lines[5], StringComparison.Ordinal);
            string report = sink["local-parsed-report.json"].Text;
            Assert.Contains("ends 1 bytes into its footer", report, StringComparison.Ordinal);
            Assert.Contains("a cut-off frame, not decoded", report, StringComparison.Ordinal);
            Assert.DoesNotContain(sink.Items, i => i.Text.Contains("never finished", StringComparison.Ordinal) && i.Item.Name == "local-parsed.jsonl");
            Assert.Empty(sink.ErrorTexts);
        }
    }

    [Fact]
    public async Task Json_file_logs_come_with_their_rotated_siblings_in_rotation_order()
    {
        string log = $"containers/{FakeDataRoot.Id}/{FakeDataRoot.Id}-json.log";
        _root.Write(log + ".1", "one\n");
        WriteBytes(log + ".2.gz", Gzip(Encoding.UTF8.GetBytes("two\n")));
        _root.Write(log + ".10", "ten\n");

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var sink = await FakeDataRoot.CollectAllAsync(Assert.Single(probes).Runtime!);
            string name = $"files/{FakeDataRoot.Id}-json.log";
            Assert.Equal([name, name + ".1", name + ".2.gz", name + ".10"], sink.Under("files/" + FakeDataRoot.Id).Where(i => i.Item.Section == EvidenceSection.Logs).Select(i => i.Item.Name!).ToList());
            // The folder's other files are metadata; the logs are left to the logs phase.
            Assert.DoesNotContain(sink.In(EvidenceSection.Metadata), i => i.Item.Name!.Contains("-json.log", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_container_that_never_ran_has_a_skip_a_journald_one_says_its_driver_keeps_nothing_here()
    {
        File.Delete(_root.Path($"containers/{FakeDataRoot.Id}/{FakeDataRoot.Id}-json.log"));
        _root.Write($"containers/{FakeDataRoot.Id}/hostconfig.json", "{\"LogConfig\":{\"Type\":\"journald\",\"Config\":{}}}");

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var sink = await FakeDataRoot.CollectAllAsync(Assert.Single(probes).Runtime!);
            var files = Assert.Single(sink.In(EvidenceSection.Logs));
            Assert.Equal(("files", EntryStatus.Skipped), (files.Item.Name, files.Status));
            Assert.Contains("log driver journald: it keeps no file in the data root", files.Item.Reason, StringComparison.Ordinal);
        }
    }

    private static byte[] Frames(string prefix, long offset) =>
    [
        .. LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0 + offset + 1, prefix + "-1")),
        .. LocalLogFrames.Frame(LocalLogFrames.Entry("stderr", T0 + offset + 2, prefix + "-2")),
    ];

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return output.ToArray();
    }

    private void WriteBytes(string relative, byte[] content)
    {
        string path = _root.Path(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }
}
