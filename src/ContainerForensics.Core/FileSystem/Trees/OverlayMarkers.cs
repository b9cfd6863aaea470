using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// What overlayfs keeps in extended attributes of the upper layer
/// (https://docs.kernel.org/filesystems/overlayfs.html). Root-owned mounts use the
/// <c>trusted.overlay.</c> namespace; mounts with <c>userxattr</c> (rootless engines) use
/// <c>user.overlay.</c>. Reading trusted.* needs CAP_SYS_ADMIN: without it the markers are
/// invisible and the entries are collected as plain directories and files.
/// </summary>
public static class OverlayMarkers
{
    private static readonly string[] Prefixes = ["trusted.overlay.", "user.overlay."];

    /// <summary>
    /// <c>opaque</c> = "y": the directory hides everything the image had below it (it was
    /// removed and created again). "x" marks a directory that holds xwhiteouts, not an opaque one.
    /// </summary>
    public static bool IsOpaque(EntryMetadata metadata) =>
        metadata.Kind == EntryKind.Directory && Value(metadata, "opaque") is [(byte)'y'];

    /// <summary>
    /// <c>redirect</c>: a directory renamed or moved (redirect_dir=on) or a metacopy file whose
    /// data lives elsewhere in the lower layers; the value is the path there (absolute from the
    /// layer's root, or a name in the same parent directory).
    /// </summary>
    public static byte[]? Redirect(EntryMetadata metadata) => Value(metadata, "redirect") is { Length: > 0 } v ? v : null;

    /// <summary><c>metacopy</c>: the upper file holds metadata only (a chown or chmod with metacopy=on); its data is a lower layer's.</summary>
    public static bool IsMetacopy(EntryMetadata metadata) => metadata.Kind == EntryKind.File && Value(metadata, "metacopy") is not null;

    /// <summary><c>whiteout</c> on an empty regular file (Linux 6.7+ "xwhiteout"): a deletion, like a 0:0 character device.</summary>
    public static bool IsXWhiteout(EntryMetadata metadata) => metadata.Kind == EntryKind.File && Value(metadata, "whiteout") is not null;

    public static string Describe(byte[] value) => Encoding.UTF8.GetString(value);

    private static byte[]? Value(EntryMetadata metadata, string name)
    {
        foreach (var (key, value) in metadata.ExtendedAttributes)
        {
            foreach (var prefix in Prefixes)
            {
                if (key.Length == prefix.Length + name.Length && key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith(name, StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }
        return null;
    }
}
