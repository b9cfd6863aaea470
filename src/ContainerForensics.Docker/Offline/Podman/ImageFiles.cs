using System.Text;
using System.Text.Json;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// The two ways Podman's files are read from a disk image, both through <see cref="DiskImage"/>
/// only: parsed (a state file read whole up to a bound, then parsed as JSON with a bounded
/// depth) and captured (the file itself as evidence, byte-exact with its metadata).
/// </summary>
internal static class ImageFiles
{
    /// <summary>The most bytes of one JSON state file parsed (containers.json of thousands of containers is a few MB).</summary>
    public const int MaxStateFileBytes = 64 << 20;

    /// <summary>The most bytes of one small document (an image config, a spec, a hostname).</summary>
    public const int MaxDocumentBytes = 16 << 20;

    public static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64 };

    /// <summary>
    /// Reads and parses a JSON file of the image. Null with the problem when it is absent, not a
    /// regular file, too large or not JSON; <paramref name="absent"/> tells "not there" apart.
    /// </summary>
    public static JsonDocument? ReadJson(DiskImage image, string path, int maxBytes, out string? problem, out bool absent)
    {
        absent = false;
        if (image.Lstat(path, out int errno) is null && errno == UnixError.ENOENT)
        {
            absent = true;
            problem = $"{image.Show(path)} is not there";
            return null;
        }
        var bytes = ReadBytes(image, path, maxBytes, out problem);
        if (bytes is null)
        {
            return null;
        }
        return Parse(bytes, image.Show(path), out problem);
    }

    /// <summary><see cref="DiskImage.ReadAll"/>, with a read error (a bad block of the image) as a problem, not an exception.</summary>
    public static byte[]? ReadBytes(DiskImage image, string path, int maxBytes, out string? problem)
    {
        try
        {
            return image.ReadAll(path, maxBytes, out problem);
        }
        catch (IOException ex)
        {
            problem = $"{image.Show(path)}: read error: {ex.Message}";
            return null;
        }
    }

    /// <summary>Parses JSON bytes; null with why not.</summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> bytes, string what, out string? problem)
    {
        try
        {
            problem = null;
            return JsonDocument.Parse(bytes, JsonOptions);
        }
        catch (JsonException ex)
        {
            problem = $"{what} is not valid JSON: {ex.Message}";
            return null;
        }
    }

    /// <summary>
    /// The file at <paramref name="path"/> as an evidence item named <paramref name="name"/>
    /// (byte-exact, statx metadata, a symlink as a link, any other kind as a record); an
    /// <see cref="EntryStatus.Absent"/> record when the image has no such file.
    /// </summary>
    public static EvidenceItem Capture(DiskImage image, EvidenceSection section, string name, string path, CaptureLimits limits, string what)
    {
        var source = new EvidenceSource { OriginalPath = Encoding.UTF8.GetBytes(path), Description = $"image file {image.Show(path)}: {what}" };
        if (image.Lstat(path, out int errno) is null)
        {
            return errno == UnixError.ENOENT
                ? EvidenceItem.NotCollected(section, name, EntryStatus.Absent, $"{image.Show(path)} is not in the image", source)
                : EvidenceItem.NotCollected(section, name, EntryStatus.Failed, $"{image.Show(path)}: {UnixError.Describe(errno)}", source, errno);
        }
        var capture = image.Capture(path, limits);
        return capture.ToEvidenceItem(section, source.OriginalPath, source) with { RawPath = null, Name = name };
    }
}
