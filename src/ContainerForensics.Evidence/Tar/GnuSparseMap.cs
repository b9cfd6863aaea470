using System.Buffers;
using System.Globalization;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tar;

/// <summary>
/// The data map of GNU pax sparse format 1.0, which sits at the start of the entry's data area
/// (GNU tar manual, "Storing Sparse Files", format 1.0,
/// https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html): decimal numbers in
/// ASCII, each followed by '\n' — the number of segments, then offset and size of each — padded
/// with NULs to a 512-byte boundary; the segments' bytes follow, concatenated.
/// </summary>
internal static class GnuSparseMap
{
    /// <summary>
    /// Appends the map, padded, for the non-empty <paramref name="segments"/> of a file of
    /// <paramref name="realSize"/> bytes, and returns its length (a multiple of 512).
    /// <para>
    /// GNU tar always ends the map with a zero-length segment at the real size (sparse.c adds this
    /// "final hole" even when the file ends in data) and its extractor relies on it: a zero-length
    /// segment makes it truncate the output file there, which is how a trailing hole gets its
    /// length. Without it GNU tar extracts a file that ends at the last data byte.
    /// </para>
    /// </summary>
    public static int Append(ArrayBufferWriter<byte> output, IReadOnlyList<DataSegment> segments, long realSize)
    {
        int start = output.WrittenCount;
        int count = 1;
        for (int i = 0; i < segments.Count; i++)
        {
            if (segments[i].Length > 0)
            {
                count++;
            }
        }
        AppendNumber(output, count);
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Length > 0)
            {
                AppendNumber(output, segment.Offset);
                AppendNumber(output, segment.Length);
            }
        }
        AppendNumber(output, realSize);
        AppendNumber(output, 0);
        int length = output.WrittenCount - start;
        int padded = (int)RoundUp(length);
        int padding = padded - length;
        output.GetSpan(padding)[..padding].Clear();
        output.Advance(padding);
        return padded;
    }

    /// <summary>Sum of the segment lengths: the data bytes stored after the map.</summary>
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

    private static void AppendNumber(ArrayBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(21);
        value.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        span[n++] = (byte)'\n';
        output.Advance(n);
    }
}
