using System.Buffers;
using System.Globalization;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// The data map of GNU pax sparse format 1.0, which sits at the start of the entry's data area
/// (GNU tar manual, "Storing Sparse Files", format 1.0,
/// https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html): decimal numbers in
/// ASCII, each followed by '\n' — the number of segments, then offset and size of each — padded
/// with NULs to a 512-byte boundary; the segments' bytes follow.
/// </summary>
internal static class GnuSparseMap
{
    /// <summary>
    /// The map as stored, from the caller's segments. Readers disagree on where a segment's bytes
    /// start: GNU tar's extractor reads every segment from a fresh 512-byte block (sparse.c,
    /// sparse_extract_region calls find_next_block per segment), while libarchive, Go and Python
    /// read the segments' bytes back to back. Both agree when every segment but the last has a
    /// length that is a multiple of 512, so such a segment is widened into the hole after it (or
    /// merged with the next segment when the hole is shorter than that); the bytes added are
    /// zeros, which is what the hole reads as, so the file's content is unchanged. Segments from
    /// SEEK_DATA/SEEK_HOLE are file-system blocks and need no widening in practice.
    /// </summary>
    /// <param name="segments">The caller's segments: sorted, not overlapping, inside the file.</param>
    /// <param name="stored">Receives the stored segments, all non-empty.</param>
    /// <param name="zeroRuns">Receives where zeros go between the caller's bytes: after <c>At</c> caller bytes, <c>Count</c> zeros.</param>
    public static void Layout(IReadOnlyList<DataSegment> segments, List<DataSegment> stored, List<ZeroRun> zeroRuns)
    {
        stored.Clear();
        zeroRuns.Clear();
        long callerBytes = 0;
        long start = 0, end = 0;
        bool open = false;
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                continue;  // carries no data; GNU would read a zero-length segment as "truncate here"
            }
            if (open)
            {
                // The open segment is not the last one: its stored length must be whole blocks.
                long alignedEnd = start + RoundUp(end - start);
                long zeros;
                if (alignedEnd > segment.Offset)
                {
                    zeros = segment.Offset - end;  // hole shorter than the padding: merge across it
                    end = segment.End;
                }
                else
                {
                    zeros = alignedEnd - end;
                    stored.Add(new DataSegment(start, alignedEnd - start));
                    (start, end) = (segment.Offset, segment.End);
                }
                if (zeros > 0)
                {
                    zeroRuns.Add(new ZeroRun(callerBytes, zeros));
                }
            }
            else
            {
                (start, end, open) = (segment.Offset, segment.End, true);
            }
            callerBytes += segment.Length;
        }
        if (open)
        {
            stored.Add(new DataSegment(start, end - start));
        }
    }

    /// <summary>
    /// Appends the map, padded, for the stored segments of a file of <paramref name="realSize"/>
    /// bytes, and returns its length (a multiple of 512).
    /// <para>
    /// GNU tar always ends the map with a zero-length segment at the real size (sparse.c adds this
    /// "final hole" even when the file ends in data) and its extractor relies on it: a zero-length
    /// segment makes it truncate the output file there, which is how a trailing hole gets its
    /// length. Without it GNU tar extracts a file that ends at the last data byte.
    /// </para>
    /// </summary>
    public static int Append(ArrayBufferWriter<byte> output, List<DataSegment> stored, long realSize)
    {
        int start = output.WrittenCount;
        AppendNumber(output, stored.Count + 1);
        foreach (var segment in stored)
        {
            AppendNumber(output, segment.Offset);
            AppendNumber(output, segment.Length);
        }
        AppendNumber(output, realSize);
        AppendNumber(output, 0);
        int length = output.WrittenCount - start;
        int padding = (int)(RoundUp(length) - length);
        output.GetSpan(padding)[..padding].Clear();
        output.Advance(padding);
        return length + padding;
    }

    /// <summary>Length of the map <see cref="Append"/> writes, without writing it (the size goes in the headers first).</summary>
    public static long MeasureMap(List<DataSegment> stored, long realSize)
    {
        long length = Digits(stored.Count + 1) + 1 + Digits(realSize) + 1 + 2;
        foreach (var segment in stored)
        {
            length += Digits(segment.Offset) + 1 + Digits(segment.Length) + 1;
        }
        return RoundUp(length);
    }

    /// <summary>Sum of the segment lengths.</summary>
    public static long DataLength(IReadOnlyList<DataSegment> segments)
    {
        long sum = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            sum += segments[i].Length;
        }
        return sum;
    }

    public static long RoundUp(long length) => (length + UstarBlock.Size - 1) & ~(long)(UstarBlock.Size - 1);

    private static int Digits(long value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }
        return digits;
    }

    private static void AppendNumber(ArrayBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(21);
        value.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        span[n++] = (byte)'\n';
        output.Advance(n);
    }
}
