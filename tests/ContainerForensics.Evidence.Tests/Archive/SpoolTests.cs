using ContainerForensics.Evidence.Spooling;
using ContainerForensics.Evidence.Tests.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>The writer's spools: in memory under one budget, or in files that never have a name.</summary>
public sealed class SpoolTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void What_is_appended_reads_back_byte_for_byte_across_chunks(bool inMemory, bool compress)
    {
        using var dir = new TempDirectory();
        var factory = new SpoolFactory(inMemory ? null : dir.Path, 64 << 20);
        using var spool = factory.Create("test", compress);
        // JSON-like lines (compressible) and random bytes, across three chunk boundaries.
        var data = new byte[(3 * MemorySpool.ChunkSize) + 12_345];
        new Random(7).NextBytes(data.AsSpan(0, data.Length / 2));
        for (int i = data.Length / 2; i < data.Length; i++)
        {
            data[i] = (byte)"{\"path\":\"fs/etc/passwd\"}\n"[i % 25];
        }
        for (int at = 0; at < data.Length; at += 70_001)
        {
            spool.Stream.Write(data, at, Math.Min(70_001, data.Length - at));
        }
        spool.Flush();
        Assert.Equal(data.Length, spool.Length);

        using var read = spool.OpenRead();
        var back = new MemoryStream();
        read.CopyTo(back, 50_000);
        Assert.Equal(data, back.ToArray());
        // By offset, across a chunk boundary (a read may stop at the boundary).
        var middle = new byte[100];
        for (int got = 0; got < middle.Length;)
        {
            int n = spool.ReadAt(MemorySpool.ChunkSize - 50 + got, middle.AsSpan(got));
            Assert.True(n > 0);
            got += n;
        }
        Assert.Equal(data.AsSpan(MemorySpool.ChunkSize - 50, 100).ToArray(), middle);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // a file spool has no name, even while open
    }

    [Fact]
    public void Memory_spools_refuse_to_grow_past_their_budget_and_give_it_back_when_reset()
    {
        var factory = new SpoolFactory(null, 3L * MemorySpool.ChunkSize);
        using var a = factory.Create("stream", compress: false);
        using var b = factory.Create("manifest", compress: false);
        a.Stream.Write(new byte[2 * MemorySpool.ChunkSize]);
        b.Stream.Write(new byte[MemorySpool.ChunkSize - 1]);
        var full = Assert.Throws<SpoolFullException>(() => a.Stream.Write(new byte[1]));
        Assert.Contains("--spool-dir", full.Message, StringComparison.Ordinal);
        a.Reset();
        Assert.True(factory.Budget.Used <= 2L * MemorySpool.ChunkSize, $"{factory.Budget.Used} bytes still charged after a reset");
        b.Stream.Write(new byte[MemorySpool.ChunkSize]); // room again
        a.Dispose();
        b.Dispose();
        Assert.Equal(0, factory.Budget.Used);
    }

    [Fact]
    public void A_compressed_spool_charges_what_it_keeps_not_what_it_was_given()
    {
        var factory = new SpoolFactory(null, 256L << 20);
        using var manifest = factory.Create("manifest", compress: true);
        var line = "{\"path\":\"containers/docker/-/web_0123456789ab/filesystem/changed/etc/passwd\",\"status\":\"collected\"}\n"u8.ToArray();
        for (int i = 0; i < 200_000; i++)
        {
            manifest.Stream.Write(line);
        }
        Assert.True(manifest.Length > 10L << 20, $"{manifest.Length}");
        Assert.True(factory.Budget.Used < 4L << 20, $"{factory.Budget.Used} bytes charged for {manifest.Length} bytes of JSON lines");
    }
}
