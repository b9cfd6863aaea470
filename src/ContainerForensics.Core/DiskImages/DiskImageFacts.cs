using System.Text;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.DiskImages;

/// <summary>
/// Who the imaged machine said it was, read from its /etc beneath the root: the acquisition
/// record names it beside the examiner's machine, and the default archive name uses its hostname.
/// Each is null when the image does not say (a copied data root has no /etc).
/// </summary>
public sealed record DiskImageFacts
{
    private const int MaxBytes = 64 * 1024;

    public string? Hostname { get; init; }

    public string? MachineId { get; init; }

    public string? OsPrettyName { get; init; }

    internal static DiskImageFacts Read(DiskImage image)
    {
        string? Text(string path) =>
            image.ReadAll(path, MaxBytes, out _) is { } bytes ? Encoding.UTF8.GetString(bytes).Trim() : null;

        return new DiskImageFacts
        {
            Hostname = Text("/etc/hostname") is { Length: > 0 } h ? h : null,
            MachineId = Text("/etc/machine-id") is { Length: > 0 } m ? m : null,
            OsPrettyName = HostFacts.ReadOsRelease(Text("/etc/os-release") ?? Text("/usr/lib/os-release")),
        };
    }
}
