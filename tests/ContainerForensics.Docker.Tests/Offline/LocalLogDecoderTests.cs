using System.Text;
using ContainerForensics.Docker.Offline.LocalLogs;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>
/// The local log driver's frames decoded strictly (<see cref="LocalLogDecoder"/>): whole frames
/// are records, a cut-off frame or lengths that disagree stop the file with the offset and what
/// was missing, a malformed protobuf in a whole frame is counted and skipped.
/// </summary>
public sealed class LocalLogDecoderTests
{
    private const long T0 = 1_796_000_000_123_456_789;

    [Fact]
    public async Task Whole_frames_are_records_with_their_time_stream_pieces_and_attributes()
    {
        byte[] file = [
            .. LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0, "hello")),
            .. LocalLogFrames.Frame(LocalLogFrames.Entry("stderr", T0 + 1, "part one", (false, "p1", 1), [("tag", "web")], unknownField: true)),
            .. LocalLogFrames.Frame(LocalLogFrames.Entry("stderr", T0 + 2, "part two", (true, "p1", 2))),
        ];

        var (records, report) = await DecodeAsync(file);

        Assert.Null(report.Error);
        Assert.Equal(3, report.Records);
        Assert.Equal(2, report.PartialRecords);
        Assert.Equal(file.Length, report.Bytes);
        Assert.Equal(("stdout", T0, "hello", true), (records[0].Source, records[0].TimeNano, Encoding.UTF8.GetString(records[0].Line), records[0].EndsLine));
        Assert.False(records[1].EndsLine);
        Assert.Equal(new LocalLogPartial(false, "p1", 1), records[1].PartialMetadata);
        Assert.Equal([new KeyValuePair<string, string>("tag", "web")], records[1].Attributes);
        Assert.True(records[2].EndsLine);
        Assert.Equal(0, records[0].Offset);
        Assert.Equal(LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0, "hello")).Length, records[1].Offset);
        Assert.Equal("2026-11-30T00:53:20.123456789Z", LocalLogJson.Time(T0).ToIso8601());
    }

    [Theory]
    [InlineData(2, "the file ends 2 bytes into the frame header at offset 29")]
    [InlineData(7, "the frame at offset 29 says 27 bytes but the file ends after 3 of them")]
    [InlineData(33, "the frame at offset 29 ends 2 bytes into its footer")]
    public async Task A_cut_off_frame_is_recorded_with_its_offset_and_nothing_is_guessed(int keep, string expected)
    {
        byte[] whole = LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0, "a"));
        byte[] cut = LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0, "cut-off"));

        var (records, report) = await DecodeAsync([.. whole, .. cut[..keep]]);

        Assert.Single(records);
        Assert.Equal(29, whole.Length);
        Assert.Contains(expected, report.Error, StringComparison.Ordinal);
        Assert.Equal(whole.Length + keep, report.Bytes);
    }

    [Fact]
    public async Task Lengths_that_disagree_or_a_length_past_mobys_limit_stop_the_file()
    {
        byte[] frame = LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0, "x"));
        frame[^1] ^= 1;
        var (records, report) = await DecodeAsync(frame);
        Assert.Empty(records);
        Assert.Contains("header length 21 and footer length 20", report.Error, StringComparison.Ordinal);

        (records, report) = await DecodeAsync([0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        Assert.Empty(records);
        Assert.Contains("more than moby's limit of 1000000", report.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_record_in_a_whole_frame_is_counted_and_the_next_is_read()
    {
        byte[] wrongType = [0x18, 0x01];                    // field 3 (line) as a varint
        byte[] runsPast = [0x1A, 0x10, (byte)'a'];           // line says 16 bytes, has 1
        byte[] group = [0x0B];                               // field 1, wire type 3 (a group)
        byte[] file = [
            .. LocalLogFrames.Frame(wrongType),
            .. LocalLogFrames.Frame(runsPast),
            .. LocalLogFrames.Frame(group),
            .. LocalLogFrames.Frame(LocalLogFrames.Entry("stdout", T0, "after")),
        ];

        var (records, report) = await DecodeAsync(file);

        Assert.Equal("after", Encoding.UTF8.GetString(Assert.Single(records).Line));
        Assert.Null(report.Error);
        Assert.Equal(3, report.Malformed);
        Assert.Contains("field 3 has wire type 0", report.MalformedRecords[0].Reason, StringComparison.Ordinal);
        Assert.Contains("runs past the end of the message", report.MalformedRecords[1].Reason, StringComparison.Ordinal);
        Assert.Equal(10, report.MalformedRecords[1].Offset);
    }

    private static async Task<(List<LocalLogRecord> Records, LocalLogFileReport Report)> DecodeAsync(byte[] file)
    {
        var report = new LocalLogFileReport { File = "container.log" };
        var records = new List<LocalLogRecord>();
        await foreach (var r in LocalLogDecoder.ReadAsync(new MemoryStream(file), report, CancellationToken.None))
        {
            records.Add(r);
        }
        return (records, report);
    }
}
