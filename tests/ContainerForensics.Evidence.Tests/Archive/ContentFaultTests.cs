using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>What the writer does when the source misbehaves: read errors, shrinking, unknown length, interruption.</summary>
public sealed class ContentFaultTests
{
    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 1)).ToArray();

    private static JsonElement Entry(byte[] archive, string path) =>
        ArchiveKit.Manifest(archive).Single(m => m.GetProperty("path").GetString() == path);

    [Fact]
    public async Task An_unreadable_block_is_zero_filled_recorded_and_the_rest_is_kept()
    {
        var data = Pattern(20_000);
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            var result = await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/bad-sector"),
                Content = new ScriptedContent(data, failsAt: offset => offset >= 8192 && offset < 12288),
            }, default);
            Assert.Equal(EntryStatus.Partial, result.Status);
        });
        var expected = (byte[])data.Clone();
        Array.Clear(expected, 8192, 4096);
        Assert.Equal(expected, ArchiveKit.Member(archive, "fs/bad-sector"));
        var e = Entry(archive, "fs/bad-sector");
        Assert.Equal("partial", e.GetProperty("status").GetString());
        Assert.Equal("[[8192,4096]]", e.GetProperty("unreadable").GetRawText());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), e.GetProperty("sha256").GetString());
        Assert.Equal(20_000 - 4096, e.GetProperty("bytesRead").GetInt64());
        Assert.True(ArchiveKit.Verify(archive).Ok);
        Assert.False(ArchiveKit.Seal(archive).GetProperty("complete").GetBoolean());
    }

    [Fact]
    public async Task A_source_that_shrinks_while_read_is_padded_and_marked()
    {
        var data = Pattern(10_000);
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/shrunk"), Content = new ScriptedContent(data, endsAt: 6000) }, default));
        var stored = ArchiveKit.Member(archive, "fs/shrunk");
        Assert.Equal(10_000, stored.Length);
        Assert.Equal(data[..6000], stored[..6000]);
        Assert.All(stored[6000..], b => Assert.Equal(0, b));
        var e = Entry(archive, "fs/shrunk");
        Assert.Equal("[[6000,4000]]", e.GetProperty("unreadable").GetRawText());
        Assert.Contains("shrank", e.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task A_note_from_the_source_marks_the_entry()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/growing"),
                Content = new ScriptedContent(Pattern(100)) { Note = new ContentReadNote(EntryStatus.Partial, "changed while read: size 100→200") },
            }, default);
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/big"),
                Content = new ScriptedContent(Pattern(100)) { Note = new ContentReadNote(EntryStatus.Truncated, "truncated at 100 of 5000 bytes (--max-file-size)") },
            }, default);
        });
        var growing = Entry(archive, "fs/growing");
        Assert.Equal("partial", growing.GetProperty("status").GetString());
        Assert.True(growing.GetProperty("changedWhileRead").GetBoolean());
        Assert.Equal("truncated", Entry(archive, "fs/big").GetProperty("status").GetString());
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok);
        Assert.Equal(["fs/big"], report.Truncated);
    }

    [Fact]
    public async Task A_stream_of_unknown_length_is_spooled_and_hashed()
    {
        var data = Pattern(3 * 1024 * 1024 + 17);
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.TarGz, async w =>
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("logs/stdout"), Content = EvidenceContent.FromStream(new MemoryStream(data)) }, default));
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        using var gz = new System.IO.Compression.GZipStream(new MemoryStream(archive), System.IO.Compression.CompressionMode.Decompress);
        var tar = new MemoryStream();
        gz.CopyTo(tar);
        Assert.Equal(data, ArchiveKit.Member(tar.ToArray(), "logs/stdout"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), Entry(tar.ToArray(), "logs/stdout").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task A_stream_that_breaks_keeps_what_arrived()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("logs/cut"), Content = EvidenceContent.FromStream(new BreakingStream(5000)) }, default));
        Assert.Equal(5000, ArchiveKit.Member(archive, "logs/cut").Length);
        var e = Entry(archive, "logs/cut");
        Assert.Equal("partial", e.GetProperty("status").GetString());
        Assert.Contains("after 5000 bytes", e.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task Failures_without_content_are_records_only_and_make_the_seal_partial()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/etc/shadow"), Status = EntryStatus.Failed, Reason = "open failed", Errno = 13 }, default);
            w.RecordError(new ErrorRecord { Scope = "engine docker", Message = "GET /info timed out after 15 s" });
        });
        var e = Entry(archive, "fs/etc/shadow");
        Assert.False(e.GetProperty("member").GetBoolean());
        Assert.Equal(13, e.GetProperty("errno").GetInt32());
        var errors = ArchiveKit.Lines(ArchiveKit.Member(archive, ArchiveNames.Errors.Value)).ToList();
        Assert.Single(errors);
        Assert.Contains("timed out", errors[0], StringComparison.Ordinal);
        var seal = ArchiveKit.Seal(archive);
        Assert.False(seal.GetProperty("complete").GetBoolean());
        Assert.Equal(1, seal.GetProperty("errors").GetInt64());
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    public async Task An_interruption_inside_an_entry_finishes_it_and_the_archive_still_seals_and_verifies(ArchiveFormat format)
    {
        using var cts = new CancellationTokenSource();
        var data = Pattern(5 * 1024 * 1024);
        var archive = await ArchiveKit.BuildAsync(format, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("a/first", "kept"), default);
            var content = new ScriptedContent(data, onRead: offset =>
            {
                if (offset >= 2 * 1024 * 1024)
                {
                    cts.Cancel(); // SIGINT arrives while the big file is being copied
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("a/big"), Content = content }, cts.Token));
            Assert.True(content.Disposed);
        }, new SealRequest { Interrupted = true, InterruptionReason = "interrupted by SIGINT" });
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.False(report.CollectionComplete);
        var tar = format == ArchiveFormat.TarGz ? ArchiveKit.Gunzip(archive) : archive;
        var big = Entry(tar, "a/big");
        Assert.Equal("partial", big.GetProperty("status").GetString());
        Assert.Contains("interrupted", big.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(ArchiveKit.Seal(tar).GetProperty("interrupted").GetBoolean());
    }

    [Fact]
    public async Task A_sparse_20_GiB_file_costs_only_its_data_and_verifies()
    {
        const long size = 20L << 30;
        var segments = new[] { new DataSegment(0, 4096), new DataSegment(10L << 30, 4096) };
        var data = Pattern(4096);
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/sparse.img"),
                Content = new SparseContent(size, segments, data),
                Metadata = new EntryMetadata { Size = size },
            }, default));
        Assert.True(archive.Length < 64 * 1024, $"archive is {archive.Length} bytes");
        var e = Entry(archive, "fs/sparse.img");
        Assert.Equal(size, e.GetProperty("storedSize").GetInt64());
        Assert.Equal("[[0,4096],[10737418240,4096]]", e.GetProperty("sparse").GetRawText());
        Assert.Equal(8192, e.GetProperty("bytesRead").GetInt64());
        // The sha256 is of the logical 20 GiB (holes as zeros), so sha256sum of the extracted file agrees.
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var zeros = new byte[1 << 20];
        expected.AppendData(data);
        for (long left = (10L << 30) - 4096; left > 0; left -= Math.Min(left, zeros.Length))
        {
            expected.AppendData(zeros, 0, (int)Math.Min(left, zeros.Length));
        }
        expected.AppendData(data);
        for (long left = size - (10L << 30) - 4096; left > 0; left -= Math.Min(left, zeros.Length))
        {
            expected.AppendData(zeros, 0, (int)Math.Min(left, zeros.Length));
        }
        Assert.Equal(Convert.ToHexStringLower(expected.GetHashAndReset()), e.GetProperty("sha256").GetString());
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    private sealed class SparseContent(long length, IReadOnlyList<DataSegment> segments, byte[] data) : IEvidenceContent
    {
        public long? Length => length;

        public IReadOnlyList<DataSegment>? Segments => segments;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            foreach (var s in segments)
            {
                if (offset >= s.Offset && offset < s.End)
                {
                    int n = (int)Math.Min(buffer.Length, s.End - offset);
                    data.AsSpan((int)(offset - s.Offset), n).CopyTo(buffer.Span);
                    return ValueTask.FromResult(n);
                }
            }
            throw new InvalidOperationException($"read in a hole at {offset}");
        }

        public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ContentReadNote?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class BreakingStream(int breakAfter) : Stream
    {
        private int _given;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given >= breakAfter)
            {
                throw new IOException("connection reset by peer");
            }
            int n = Math.Min(count, breakAfter - _given);
            Array.Fill(buffer, (byte)'x', offset, n);
            _given += n;
            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _given; set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
