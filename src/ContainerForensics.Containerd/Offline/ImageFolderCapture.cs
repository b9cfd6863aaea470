using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// A small folder of the image (a CRI checkpoint, a task's work folder, a kubelet pod folder)
/// into named entries <c>&lt;prefix&gt;/&lt;relative path&gt;</c>, every file as it is (the walk is
/// <see cref="SafeTreeWalker"/>'s through <see cref="DiskImage.OpenTree"/>: no link followed,
/// only regular files read), each entry's original path its place in the image.
/// </summary>
internal static class ImageFolderCapture
{
    public static async Task CaptureAsync(IEvidenceSink sink, DiskImage image, string imagePath, EvidenceSection section, string prefix, CaptureLimits limits,
        string description, CancellationToken cancellationToken, int maxDepth = 8, Func<byte[], string?>? leaveOut = null)
    {
        SafeTreeWalker walker;
        try
        {
            walker = image.OpenTree(imagePath, new WalkOptions { MaxDepth = maxDepth });
        }
        catch (IOException ex)
        {
            await sink.AddAsync(OfflineItems.NotCollected(section, prefix, EntryStatus.Failed, $"{image.Show(imagePath)} not opened: {ex.Message}", description,
                ex.HResult > 0 ? ex.HResult : null), cancellationToken).ConfigureAwait(false);
            return;
        }
        using (walker)
        {
            string shownRoot = image.Show(imagePath);
            foreach (var entry in walker.Walk(cancellationToken))
            {
                if (entry.IsRoot)
                {
                    if (entry.Error is { } error)
                    {
                        sink.RecordError($"{shownRoot}: {error}", null, entry.Errno, shownRoot);
                    }
                    continue;
                }
                string name = prefix + "/" + string.Join('/', SplitSegments(entry.RelativePath).Select(s => ArchivePath.EscapeSegment(s)));
                byte[] shown = Encoding.UTF8.GetBytes(shownRoot + "/").Concat(entry.RelativePath).ToArray();
                var source = new EvidenceSource { OriginalPath = shown, Description = $"image file {Encoding.UTF8.GetString(shown)}: {description}" };
                if (leaveOut?.Invoke(entry.RelativePath) is { } why)
                {
                    await sink.AddAsync(EvidenceItem.NotCollected(section, [], EntryStatus.Skipped, why, source) with { RawPath = null, Name = name }, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                var capture = entry.Capture(limits);
                await sink.AddAsync(capture.ToEvidenceItem(section, shown, source) with { RawPath = null, Name = name }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static IEnumerable<byte[]> SplitSegments(byte[] path)
    {
        int start = 0;
        for (int i = 0; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == (byte)'/')
            {
                yield return path[start..i];
                start = i + 1;
            }
        }
    }
}
