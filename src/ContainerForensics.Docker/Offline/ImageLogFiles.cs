using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Logs;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// A log driver's files in a folder of the disk image, captured byte-exact into
/// <c>logs/files/...</c> as the live collection captures LogPath (<see cref="LogFiles"/>): the
/// current file and its rotated siblings (<c>NAME.1</c>, <c>NAME.2.gz</c>, ...), in rotation order.
/// Everything is read through the image (nothing beneath it followed out); a sibling whose name
/// is not UTF-8 cannot be one the driver wrote and is recorded, not read.
/// </summary>
internal static class ImageLogFiles
{
    /// <summary>At most this many files of one log are kept open to be decoded; the rest are captured only.</summary>
    public const int MaxDecodedFiles = 100;

    /// <summary>
    /// Captures <paramref name="baseName"/> and its siblings in <paramref name="directory"/> (an
    /// image path) under <c>files/&lt;itemFolder&gt;NAME</c>; how many there were. With
    /// <paramref name="kept"/>, the regular files captured whole are added to it, oldest first (the
    /// highest rotation number first, the current file last), to be decoded; the caller disposes
    /// them. Files captured but not kept are added to <paramref name="notDecoded"/> with why.
    /// </summary>
    public static async Task<int> CaptureAsync(IEvidenceSink sink, DiskImage image, string directory, string baseName, string itemFolder,
        string writtenBy, CaptureLimits limits, List<ImageLogFile>? kept, List<(string Name, string Why)> notDecoded, CancellationToken cancellationToken)
    {
        var names = image.List(directory, out _);
        if (names is null)
        {
            return 0;
        }
        byte[] logName = Encoding.UTF8.GetBytes(baseName);
        var ours = names.Where(n => n.AsSpan().SequenceEqual(logName) || LogFiles.IsSibling(n, logName)).ToList();
        // The current file first, then .1 (the newest rotated), .2, ...: as the live collection writes them.
        ours.Sort((a, b) => a.AsSpan().SequenceEqual(logName) ? -1 : b.AsSpan().SequenceEqual(logName) ? 1 : LogFiles.CompareSiblings(a, b, logName.Length));
        var strict = new UTF8Encoding(false, true);
        var mine = new List<ImageLogFile>();
        try
        {
            foreach (var raw in ours)
            {
                string itemName = LogFiles.Folder + "/" + itemFolder + ArchivePath.EscapeSegment(raw);
                string name;
                try
                {
                    name = strict.GetString(raw);
                }
                catch (DecoderFallbackException)
                {
                    await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, itemName, EntryStatus.Failed,
                        $"a file beside the {writtenBy} log in {image.Show(directory)} whose name is not UTF-8: no log driver writes such a name, and it cannot be opened by name here",
                        new EvidenceSource { Description = $"disk image folder {image.Show(directory)}" }), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                string path = directory + "/" + name;
                bool current = name == baseName;
                var source = new EvidenceSource
                {
                    OriginalPath = Encoding.UTF8.GetBytes(path),
                    Description = $"disk image file {image.Show(path)}: {(current ? "the container's log" : "a rotated file of the container's log")} as the {writtenBy} kept it",
                };
                var capture = image.Capture(path, limits);
                var item = capture.ToEvidenceItem(EvidenceSection.Logs, source.OriginalPath, source) with { RawPath = null, Name = itemName };
                if (kept is not null && capture.Content is { Length: long length } content && capture.Status == EntryStatus.Collected && mine.Count < MaxDecodedFiles)
                {
                    mine.Add(new ImageLogFile(name, content, length));
                    item = item with { Content = new BorrowedContent(content) };
                }
                else if (kept is not null)
                {
                    notDecoded.Add((name, capture.Content is null
                        ? $"not read as a regular file ({capture.Reason ?? "another kind of file, kept as such"}): not decoded"
                        : capture.Status != EntryStatus.Collected ? $"captured {capture.Status.ToString().ToLowerInvariant()} ({capture.Reason}): not decoded"
                        : $"more than {MaxDecodedFiles} files: captured, not decoded"));
                }
                await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var file in mine)
            {
                await file.Content.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
        // Decoding goes oldest first: the highest rotation number first, the current file last.
        mine.Reverse();
        kept?.AddRange(mine);
        return ours.Count;
    }
}
