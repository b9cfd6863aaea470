using System.IO.Compression;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>One flipped bit anywhere, or a cut-off archive, must make verify fail and say what is wrong.</summary>
public sealed class TamperTests
{
    private static Task<byte[]> SampleAsync(ArchiveFormat format) => ArchiveKit.BuildAsync(format, async w =>
    {
        await w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{\"case\":\"EVIDENCE-ACQ\"}"), default);
        await w.AddAsync(ArchiveKit.Bytes("containers/docker/-/web_0123/logs/stdout.log", "GET /shell.php?c=id EVIDENCE-CONTENT\n"), default);
        await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("containers/docker/-/web_0123/logs/gone"), Status = EntryStatus.Missing, Reason = "container vanished" }, default);
        w.RecordError(new ErrorRecord { Scope = "engine docker", Message = "GET /events timed out" });
    });

    [Theory]
    [InlineData("EVIDENCE-CONTENT", "containers/docker/-/web_0123/logs/stdout.log", "modified")]
    [InlineData("{\"path\":\"acquisition/acquisition.json\"", "manifest/manifest.jsonl", "modified")]
    [InlineData("\"sealedBytesSha256\": \"", "SEAL.json", "seal")]
    [InlineData("  containers/docker/-/web_0123/logs/stdout.log", "SHA256SUMS", "modified")]
    public async Task A_flipped_bit_in_content_manifest_sums_or_seal_is_named(string marker, string expectedPath, string expectedKind)
    {
        var archive = await SampleAsync(ArchiveFormat.Tar);
        Assert.True(ArchiveKit.Verify(archive).Ok);
        // Flip a bit inside the value after the marker (in the seal: one hex digit of the hash).
        int at = ArchiveKit.Find(archive, marker) + marker.Length - 2;
        var tampered = ArchiveKit.FlipBit(archive, at, bit: 1);
        var report = ArchiveKit.Verify(tampered);
        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Kind == expectedKind && p.Path == expectedPath);
    }

    [Fact]
    public async Task A_flipped_bit_at_any_of_many_positions_fails_verification()
    {
        var archive = await SampleAsync(ArchiveFormat.Tar);
        var seal = ArchiveKit.Seal(archive);
        long sealedBytes = seal.GetProperty("sealedBytes").GetInt64();
        var random = new Random(20261122);
        // Every byte before the seal is covered by its hash; the seal and what follows are rebuilt and compared.
        _ = sealedBytes;
        for (int i = 0; i < 300; i++)
        {
            int offset = random.Next(0, archive.Length);
            var report = ArchiveKit.Verify(ArchiveKit.FlipBit(archive, offset, random.Next(0, 8)));
            Assert.False(report.Ok, $"a flipped bit at byte {offset} went unnoticed");
        }
    }

    [Theory]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task A_flipped_bit_in_a_compressed_archive_fails_verification(ArchiveFormat format)
    {
        var archive = await SampleAsync(format);
        Assert.True(ArchiveKit.Verify(archive).Ok, string.Join("\n", ArchiveKit.Verify(archive).Problems));
        // Zip: the seal's own local header and the central directory come after the seal and are
        // checked by zip's CRCs only (docs/evidence-format.md, "Zip"); the test covers every byte before.
        int end = format == ArchiveFormat.Zip ? (int)SealedBytesOfZip(archive) : archive.Length;
        var original = Contents(archive, format);
        var random = new Random(7);
        for (int i = 0; i < 100; i++)
        {
            int offset = random.Next(0, end);
            var tampered = ArchiveKit.FlipBit(archive, offset, random.Next(0, 8));
            var report = ArchiveKit.Verify(tampered);
            // Deflate has a few don't-care bits: a flip there changes no byte of what the archive
            // carries. Anything else must fail.
            if (report.Ok)
            {
                Assert.True(Contents(tampered, format).SequenceEqual(original), $"a flipped bit at byte {offset} of the {format} changed content and went unnoticed");
            }
        }
    }

    private static long SealedBytesOfZip(byte[] zip)
    {
        using var z = new ICSharpCode.SharpZipLib.Zip.ZipFile(new MemoryStream(zip));
        using var seal = z.GetInputStream(z.GetEntry(ArchiveNames.Seal.Value));
        return System.Text.Json.JsonDocument.Parse(seal).RootElement.GetProperty("sealedBytes").GetInt64();
    }

    /// <summary>Every member's name and bytes, as the format's own reader sees them.</summary>
    private static List<string> Contents(byte[] archive, ArchiveFormat format)
    {
        var result = new List<string>();
        if (format == ArchiveFormat.Zip)
        {
            using var zip = new ICSharpCode.SharpZipLib.Zip.ZipInputStream(new MemoryStream(archive));
            while (zip.GetNextEntry() is { } e)
            {
                var ms = new MemoryStream();
                zip.CopyTo(ms);
                result.Add(e.Name + ":" + Convert.ToHexString(ms.ToArray()));
            }
            return result;
        }
        using var gz = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        var tar = new MemoryStream();
        gz.CopyTo(tar);
        result.Add(Convert.ToHexString(tar.ToArray()));
        return result;
    }

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task A_truncated_archive_fails(ArchiveFormat format)
    {
        var archive = await SampleAsync(format);
        foreach (int cut in new[] { 100, 512, archive.Length / 3, archive.Length / 2, archive.Length - 1100, archive.Length - 10, archive.Length - 1 })
        {
            var report = ArchiveKit.Verify(archive[..cut]);
            Assert.False(report.Ok, $"{format} cut at {cut} of {archive.Length} verified");
            Assert.Contains(report.Problems, p => p.Kind is "corrupt" or "missing");
        }
    }

    [Fact]
    public async Task A_member_removed_or_added_is_named()
    {
        var archive = await SampleAsync(ArchiveFormat.Tar);
        // Rename the log member's header: the manifest's member is then missing and an extra one appears.
        // Rename it in its headers (the PAX path record and the ustar name), fixing the ustar
        // checksum as a careful forger would: only the hashes can tell.
        int manifestAt = ArchiveKit.Find(archive, "{\"path\":\"acquisition");
        var renamed = (byte[])archive.Clone();
        for (int at = ArchiveKit.Find(archive, "stdout.log"); at < manifestAt; at = ArchiveKit.Find(archive, "stdout.log", at + 1))
        {
            renamed[at] = (byte)'X';
            int block = at - at % 512;
            if (renamed[block + 257] == (byte)'u' && at % 512 < 100)
            {
                FixChecksum(renamed, block);
            }
        }
        var report = ArchiveKit.Verify(renamed);
        Assert.Contains(report.Problems, p => p.Kind == "missing" && p.Path == "containers/docker/-/web_0123/logs/stdout.log");
        Assert.Contains(report.Problems, p => p.Kind == "extra");
    }

    [Fact]
    public async Task The_verifier_reads_what_the_manifest_and_seal_say_about_failures()
    {
        var archive = await SampleAsync(ArchiveFormat.Tar);
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok);
        Assert.False(report.CollectionComplete); // a missing entry and an error: the collection was partial, the archive is intact
        Assert.Equal(1, report.StatusCounts["missing"]);
        Assert.Equal(1, report.ErrorRecords);
    }

    internal static void FixChecksum(byte[] tar, int header)
    {
        for (int i = 148; i < 156; i++)
        {
            tar[header + i] = (byte)' ';
        }
        int sum = 0;
        for (int i = 0; i < 512; i++)
        {
            sum += tar[header + i];
        }
        var digits = System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
        digits.CopyTo(tar, header + 148);
    }

    [Fact]
    public async Task Gzip_verification_reads_concatenated_input_only_as_far_as_the_archive()
    {
        var archive = await SampleAsync(ArchiveFormat.TarGz);
        using var gz = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        var plain = new MemoryStream();
        gz.CopyTo(plain);
        Assert.True(ArchiveKit.Verify(plain.ToArray()).Ok);
    }
}
