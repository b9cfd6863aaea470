using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Containerd.Offline;

/// <summary>The offline runtime's evidence items that are not plain JSON documents: files of the image captured as they are, and records of what was not collected.</summary>
internal static class OfflineItems
{
    /// <summary>A named entry without content: what was not collected (missing, failed, skipped) and why.</summary>
    public static EvidenceItem NotCollected(EvidenceSection section, string name, EntryStatus status, string reason, string description, int? errno = null) =>
        EvidenceItem.NotCollected(section, [], status, reason, new EvidenceSource { Description = description }, errno: errno) with { Name = name, RawPath = null };

    /// <summary>
    /// A file of the image under a name of ours, byte-exact and hashed as on disk (a database, a
    /// checkpoint); its path in the image is the entry's original path. Only a regular file has
    /// content; anything else is recorded as what it is.
    /// </summary>
    public static EvidenceItem ImageFile(DiskImage image, string imagePath, EvidenceSection section, string name, CaptureLimits limits, string description)
    {
        byte[] shown = System.Text.Encoding.UTF8.GetBytes(image.Show(imagePath));
        var capture = image.Capture(imagePath, limits);
        return capture.ToEvidenceItem(section, shown, new EvidenceSource { OriginalPath = shown, Description = description }) with { RawPath = null, Name = name };
    }
}
