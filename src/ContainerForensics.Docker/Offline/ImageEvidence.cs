using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// Files and folders of the disk image as named evidence (<c>files/&lt;path&gt;</c> under a section),
/// byte-exact with their metadata: captured through the <see cref="DiskImage"/> (regular files
/// only opened, nothing followed), each named by its path below the folder it was found in, every
/// segment escaped. What a walk could not read is on the entry (partial) or its own record.
/// </summary>
internal static class ImageEvidence
{
    /// <summary>The folder of such items in their section.</summary>
    public const string Folder = "files";

    /// <summary>Decides per entry of a tree: capture it (null), leave it to another collector (<see cref="Leave"/>), or record it skipped with the reason.</summary>
    public delegate string? Choice(WalkEntry entry);

    /// <summary>What a <see cref="Choice"/> returns for an entry collected elsewhere (a container's log files, collected with the logs).</summary>
    public const string Leave = "\0leave";

    /// <summary>"files/a/b%0Ac" for a path below a folder; <paramref name="prefix"/> is already escaped.</summary>
    public static string ItemName(string prefix, ReadOnlySpan<byte> relative)
    {
        var sb = new StringBuilder(prefix);
        foreach (var range in relative.Split((byte)'/'))
        {
            if (range.End.Value > range.Start.Value)
            {
                sb.Append('/').Append(ArchivePath.EscapeSegment(relative[range]));
            }
        }
        return sb.ToString();
    }

    /// <summary>One file of the image as <paramref name="name"/>; an absent one is <paramref name="absent"/> (absent, or skipped) with the reason, or nothing when that is null.</summary>
    public static async Task CaptureFileAsync(IEvidenceSink sink, EvidenceSection section, DiskImage image, string imagePath, string name,
        string what, CaptureLimits limits, EntryStatus? absent, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource { OriginalPath = Encoding.UTF8.GetBytes(imagePath), Description = $"disk image file {image.Show(imagePath)}: {what}" };
        if (image.Lstat(imagePath, out int errno) is null && errno == UnixError.ENOENT)
        {
            if (absent is { } status)
            {
                await sink.AddAsync(EvidenceItem.NotCollected(section, name, status, $"{image.Show(imagePath)} is not there", source), cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        var capture = image.Capture(imagePath, limits);
        await sink.AddAsync(capture.ToEvidenceItem(section, source.OriginalPath, source) with { RawPath = null, Name = name }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every entry of the folder at <paramref name="imagePath"/> (the folder itself as
    /// <paramref name="prefix"/>, what is below it as <c>prefix/path</c>), unless
    /// <paramref name="choose"/> leaves or skips it. Returns how many items were written; a folder
    /// that cannot be opened is an error record and 0.
    /// </summary>
    public static async Task<int> CaptureTreeAsync(IEvidenceSink sink, EvidenceSection section, DiskImage image, string imagePath, string prefix,
        string what, CaptureLimits limits, Choice? choose, CancellationToken cancellationToken, int maxDepth = 16)
    {
        SafeTreeWalker walker;
        try
        {
            walker = image.OpenTree(imagePath, new WalkOptions { MaxDepth = maxDepth });
        }
        catch (IOException ex)
        {
            sink.RecordError($"{what}: {image.Show(imagePath)} not read", ex, ex.HResult > 0 ? ex.HResult : null, image.Show(imagePath));
            return 0;
        }
        int items = 0;
        using (walker)
        {
            foreach (var entry in walker.Walk(cancellationToken))
            {
                string? choice = choose?.Invoke(entry);
                if (choice == Leave)
                {
                    continue;
                }
                byte[] original = entry.IsRoot ? Encoding.UTF8.GetBytes(imagePath) : [.. Encoding.UTF8.GetBytes(imagePath + "/"), .. entry.RelativePath];
                var source = new EvidenceSource { OriginalPath = original, Description = $"disk image {(entry.Stat?.Kind == EntryKind.Directory ? "folder" : "file")} {image.Show(imagePath)}{(entry.IsRoot ? "" : "/" + ContainerPath.Show(entry.RelativePath).TrimStart('/'))}: {what}" };
                string name = ItemName(prefix, entry.RelativePath);
                EvidenceItem item;
                if (choice is not null)
                {
                    item = EvidenceItem.NotCollected(section, name, EntryStatus.Skipped, choice, source) with { Metadata = entry.Stat?.ToMetadata() ?? new EntryMetadata() };
                }
                else
                {
                    item = entry.Capture(limits).ToEvidenceItem(section, original, source) with { RawPath = null, Name = name };
                    string? problem = entry.Stat is null ? null : entry.Error ?? entry.NotDescended;
                    if (problem is not null && item.Status is not (EntryStatus.Failed or EntryStatus.Missing))
                    {
                        item = item with
                        {
                            Status = item.Status == EntryStatus.Collected ? EntryStatus.Partial : item.Status,
                            Reason = Reasons.Join(item.Reason, "its contents were not collected: " + problem),
                            Errno = item.Errno ?? entry.Errno,
                        };
                    }
                }
                await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
                items++;
            }
        }
        return items;
    }
}
