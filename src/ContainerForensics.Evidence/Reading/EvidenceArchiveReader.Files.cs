namespace ContainerForensics.Evidence.Reading;

/// <summary>The reader's short forms for an archive on disk, for the commands that read archives (report, timeline).</summary>
public sealed partial class EvidenceArchiveReader
{
    /// <summary>
    /// Every manifest line of the archive at <paramref name="path"/>, in order, streamed: the
    /// archive is read up to the end of its manifest and no further, and only the lines of one
    /// block of it are held at a time. The lines say what the archive holds; whether it is intact
    /// is <c>cfir verify</c>'s question. The file is opened when the enumeration starts.
    /// </summary>
    /// <param name="onProblem">A line or field that cannot be read (the line is then left out, or handed out without that field).</param>
    public static IEnumerable<ManifestLine> ReadManifest(string path, Action<ReaderProblem>? onProblem = null, string? zipPassword = null)
    {
        var lines = new Queue<ManifestLine>();
        using var reader = Open(path, new ArchiveReaderOptions { ZipPassword = zipPassword, OnManifestLine = lines.Enqueue, OnProblem = onProblem });
        var block = new byte[1 << 16];
        while (reader.MoveNext())
        {
            if (reader.Current!.Name != ArchiveNames.Manifest.Value)
            {
                continue;
            }
            // The lines of each block are handed out before the next block is read; the last
            // line, if it has no newline, comes when the member's end is read.
            while (reader.Read(block) > 0)
            {
                while (lines.TryDequeue(out var line))
                {
                    yield return line;
                }
            }
            while (lines.TryDequeue(out var line))
            {
                yield return line;
            }
            yield break;
        }
    }

    /// <summary>
    /// The records of the archive at <paramref name="path"/>, in one pass over all of it: the
    /// acquisition record, the seal, how many manifest and error lines it has, and the problems
    /// met. Lines are counted, not held (for the lines themselves: <see cref="ReadManifest"/>).
    /// </summary>
    public static ArchiveRecords ReadRecords(string path, string? zipPassword = null)
    {
        using var reader = Open(path, new ArchiveReaderOptions { ZipPassword = zipPassword });
        while (reader.MoveNext())
        {
        }
        return new ArchiveRecords(reader.Format, reader.Acquisition, reader.Seal, reader.ManifestLines, reader.ErrorLines, [.. reader.Problems],
            reader.ProblemCount);
    }
}
