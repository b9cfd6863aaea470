namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// One layer of a <see cref="LayerStack"/>: a directory tree (an overlay <c>diff</c> directory, a
/// snapshot, an unpacked image layer), opened with <see cref="SafeTreeWalker"/> (for a disk image:
/// <see cref="DiskImages.DiskImage.OpenTree"/>), and how records name it ("container writable
/// layer /var/lib/docker/overlay2/ID/diff").
/// </summary>
/// <param name="Tree">The layer's root; the stack that holds this layer disposes it.</param>
/// <param name="Name">Names the layer in every entry it provides, for the manifest.</param>
public sealed record StackLayer(SafeTreeWalker Tree, string Name)
{
    /// <summary>How deletions and opaque directories are written in this layer.</summary>
    public LayerWhiteouts Whiteouts { get; init; } = LayerWhiteouts.Overlay;

    /// <summary>
    /// The overlay markers of this layer are <c>user.overlay.*</c> (a rootless engine's mount with
    /// <c>userxattr</c>). Otherwise they are <c>trusted.overlay.*</c>, and a <c>user.overlay.*</c>
    /// attribute is an ordinary one that a process in the container may have set: it changes nothing.
    /// </summary>
    public bool UserXattrs { get; init; }

    /// <summary>"trusted.overlay." or "user.overlay.".</summary>
    internal string MarkerPrefix => UserXattrs ? "user.overlay." : "trusted.overlay.";

    /// <summary>The value of this layer's overlay marker <paramref name="name"/> in captured metadata; null when absent.</summary>
    internal byte[]? Marker(Evidence.EntryMetadata metadata, string name)
    {
        string key = MarkerPrefix + name;
        foreach (var (k, v) in metadata.ExtendedAttributes)
        {
            if (k == key)
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>A regular file whose layer holds only its metadata (<c>overlay.metacopy</c>): its data is a lower layer's.</summary>
    internal bool IsMetacopy(Evidence.EntryMetadata metadata) => metadata.Kind == Evidence.EntryKind.File && Marker(metadata, "metacopy") is not null;
}

/// <summary>How a layer writes that a name below it was deleted, or that a directory hides everything below it.</summary>
public enum LayerWhiteouts
{
    /// <summary>
    /// As overlayfs keeps a layer on disk (https://docs.kernel.org/filesystems/overlayfs.html): a
    /// whiteout is a character device 0:0 (or, since Linux 6.7, an empty file with the xattr
    /// <c>overlay.whiteout</c> in a directory marked <c>overlay.opaque=x</c>); an opaque directory has
    /// <c>trusted.overlay.opaque=y</c> (<c>user.overlay.opaque</c> for rootless mounts). Docker's and
    /// containerd's overlay layers, and every writable layer. A file named <c>.wh.x</c> is an
    /// ordinary file here: a container can create one, and overlayfs shows it as it is.
    /// </summary>
    Overlay,

    /// <summary>
    /// As an image layer tar writes it (the OCI image spec, "Whiteouts", from AUFS) and some tools
    /// unpack it: <c>.wh.NAME</c> deletes NAME below, <c>.wh..wh..opq</c> makes its directory opaque,
    /// other <c>.wh..wh.*</c> names are the format's own; none of them is shown. The overlay
    /// markers are honoured too.
    /// </summary>
    Aufs,
}
