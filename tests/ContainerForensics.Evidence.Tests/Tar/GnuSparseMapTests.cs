using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// The stored layout of a sparse file: interior segments whole blocks long, so GNU tar (each
/// segment from a fresh block) and contiguous readers (libarchive, Go, Python, ours) agree.
/// </summary>
public sealed class GnuSparseMapTests
{
    [Fact]
    public void Aligned_segments_are_stored_as_given()
    {
        DataSegment[] segments = [new(0, 4096), new(1 << 20, 8192), new(5 << 20, 17)];
        var (stored, runs) = Layout(segments);
        Assert.Equal(segments, stored);
        Assert.Empty(runs);
    }

    [Fact]
    public void Short_holes_are_merged_and_long_ones_absorb_the_padding()
    {
        DataSegment[] segments = [new(0, 1), new(100, 1), new(10_000, 10), new(20_000, 5)];
        var (stored, runs) = Layout(segments);
        // [0,1) padded to 512 would pass 100: merged into [0,101), then padded to [0,512);
        // [10000,10010) padded to [10000,10512); the last segment stays as it is.
        Assert.Equal([new DataSegment(0, 512), new DataSegment(10_000, 512), new DataSegment(20_000, 5)], stored);
        Assert.Equal([new ZeroRun(1, 99), new ZeroRun(2, 411), new ZeroRun(12, 502)], runs);
    }

    [Fact]
    public void Layout_keeps_the_content_and_aligns_interior_segments()
    {
        var segmentsGen =
            from count in Gen.Choose(0, 12)
            from gaps in Gen.ArrayOf(Gen.Choose(0, 3000), count)
            from lengths in Gen.ArrayOf(Gen.Choose(0, 3000), count)
            select Build(gaps, lengths);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(segmentsGen.ToArbitrary(), segments =>
        {
            long size = segments.Length == 0 ? 100 : segments[^1].End + 100;
            var data = new byte[GnuSparseMap.DataLength(segments)];
            new Random(segments.Length).NextBytes(data);
            var (stored, runs) = Layout(segments);

            // What the writer stores: caller bytes with the zero runs inserted.
            var storedBytes = new List<byte>();
            int run = 0;
            for (int i = 0; i <= data.Length; i++)
            {
                while (run < runs.Count && runs[run].At == i)
                {
                    storedBytes.AddRange(new byte[runs[run].Count]);
                    run++;
                }
                if (i < data.Length)
                {
                    storedBytes.Add(data[i]);
                }
            }
            Assert.Equal(runs.Count, run);
            Assert.Equal(GnuSparseMap.DataLength(stored), storedBytes.Count);
            Assert.All(stored.Take(stored.Count - 1), s => Assert.Equal(0, s.Length % 512));
            Assert.All(stored, s => Assert.True(s.Length > 0 && s.End <= size));
            Assert.Equal(TarTestArchive.Expand(size, segments, data), TarTestArchive.Expand(size, stored, [.. storedBytes]));
        }));
    }

    private static DataSegment[] Build(int[] gaps, int[] lengths)
    {
        var result = new DataSegment[gaps.Length];
        long at = 0;
        for (int i = 0; i < gaps.Length; i++)
        {
            result[i] = new DataSegment(at + gaps[i], lengths[i]);
            at = result[i].End;
        }
        return result;
    }

    private static (List<DataSegment>, List<ZeroRun>) Layout(DataSegment[] segments)
    {
        var stored = new List<DataSegment>();
        var runs = new List<ZeroRun>();
        GnuSparseMap.Layout(segments, stored, runs);
        return (stored, runs);
    }
}
