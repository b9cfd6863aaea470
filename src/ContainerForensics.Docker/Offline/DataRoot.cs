using System.Text;
using System.Text.Json;
using ContainerForensics.Core.DiskImages;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// A Docker data root found in a disk image (<c>/var/lib/docker</c>, a rootless one, or where
/// <c>--docker-root</c> or the image's daemon.json says): every read goes through the
/// <see cref="DiskImage"/>, so nothing beneath it leads out of the image. Paths here are the
/// imaged machine's ("/var/lib/docker/containers/ID/config.v2.json").
/// </summary>
internal sealed class DataRoot
{
    /// <summary>A document cfir parses (config.v2.json, hostconfig.json, repositories.json) is read whole up to this; the evidence copy is not limited by it.</summary>
    public const int MaxParsedBytes = 16 * 1024 * 1024;

    public DataRoot(DiskImage image, string path, string why, bool rootless)
    {
        Image = image;
        Path = path.Length > 1 ? path.TrimEnd('/') : path;
        Why = why;
        Rootless = rootless;
    }

    public DiskImage Image { get; }

    /// <summary>The data root as a path of the imaged machine.</summary>
    public string Path { get; }

    /// <summary>How it was found ("the default data root", "--docker-root", "data-root in /etc/docker/daemon.json").</summary>
    public string Why { get; }

    /// <summary>A rootless daemon's (under a home directory): its overlay markers are user.overlay.*.</summary>
    public bool Rootless { get; }

    /// <summary>Where it was read on this machine, for records.</summary>
    public string Shown => Image.Show(Path);

    /// <summary>An image path below the data root: "containers/ID" → "/var/lib/docker/containers/ID".</summary>
    public string Of(string relative) => Path == "/" ? "/" + relative : Path + "/" + relative;

    /// <summary>The names in a directory below the data root, as text (a name that is not UTF-8 cannot be one of Docker's); null with why not.</summary>
    public IReadOnlyList<string>? Names(string relative, out string? problem, out int invalid)
    {
        invalid = 0;
        var raw = Image.List(Of(relative), out problem);
        if (raw is null)
        {
            return null;
        }
        var names = new List<string>(raw.Count);
        var strict = new UTF8Encoding(false, true);
        foreach (var name in raw)
        {
            try
            {
                names.Add(strict.GetString(name));
            }
            catch (DecoderFallbackException)
            {
                invalid++;
            }
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>A small file Docker writes with one id or line in it; null with why not.</summary>
    public string? ReadLine(string relative, out string? problem) =>
        Image.ReadAll(Of(relative), 4096, out problem) is { } bytes ? DockerIds.OneLine(bytes) : null;

    /// <summary>A JSON document, read whole up to <see cref="MaxParsedBytes"/> and parsed (depth 64); null with why not.</summary>
    public JsonDocument? ReadJson(string relative, out string? problem) => ReadJsonAt(Image, Of(relative), out problem);

    public static JsonDocument? ReadJsonAt(DiskImage image, string imagePath, out string? problem)
    {
        var bytes = image.ReadAll(imagePath, MaxParsedBytes, out problem);
        if (bytes is null)
        {
            return null;
        }
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            problem = $"{image.Show(imagePath)} is not valid JSON ({bytes.Length} bytes): {ex.Message}";
            return null;
        }
    }

    /// <summary>Whether a directory exists below the data root (the final component not followed).</summary>
    public bool IsDirectory(string relative) =>
        Image.Lstat(Of(relative), out _) is { Kind: Core.Evidence.EntryKind.Directory };
}
