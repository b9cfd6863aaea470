using System.Text;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// One layer's directory at one place of a <see cref="LayerStack"/>: open (O_RDONLY|O_DIRECTORY|
/// O_NOFOLLOW beneath its parent's descriptor, checked to be the inode lstat saw), listed, and
/// what the layer's markers say of it (opaque, redirected, holding xwhiteouts, the AUFS
/// whiteouts it holds). Its names are held while the merged directory is walked.
/// </summary>
internal sealed class LayerDirectory : IDisposable
{
    private static readonly byte[] AufsPrefix = ".wh."u8.ToArray();
    private static readonly byte[] AufsMeta = ".wh..wh."u8.ToArray();
    private static readonly byte[] AufsOpaque = ".wh..wh..opq"u8.ToArray();

    private LayerDirectory(int layer, StackLayer source, DirectoryHandle handle, FileStat stat, byte[] pathInLayer)
    {
        Layer = layer;
        Source = source;
        Handle = handle;
        Stat = stat;
        PathInLayer = pathInLayer;
    }

    /// <summary>The layer's index in the stack, 0 the topmost.</summary>
    public int Layer { get; }

    public StackLayer Source { get; }

    public DirectoryHandle Handle { get; }

    public FileStat Stat { get; }

    /// <summary>Where the directory is in its layer, relative to the layer's root (a redirect makes it differ from the merged path).</summary>
    public byte[] PathInLayer { get; }

    /// <summary>The names the directory shows (AUFS markers removed).</summary>
    public HashSet<byte[]> Names { get; } = new(ByteNames.Instance);

    /// <summary>AUFS layers: the names a <c>.wh.NAME</c> deletes below this layer.</summary>
    public HashSet<byte[]> Deleted { get; } = new(ByteNames.Instance);

    /// <summary>Everything of the lower layers at this place is hidden (<c>overlay.opaque=y</c>, or <c>.wh..wh..opq</c>).</summary>
    public bool Opaque { get; private set; }

    /// <summary><c>overlay.opaque=x</c>: empty files in it may be whiteouts (xwhiteouts).</summary>
    public bool HoldsXWhiteouts { get; private set; }

    /// <summary><c>overlay.redirect</c>: the lower layers' directory is at this path (absolute from their root, or a name beside this one).</summary>
    public byte[]? Redirect { get; private set; }

    /// <summary>The listing was cut short (the names read so far are kept).</summary>
    public string? ListingProblem { get; private set; }

    public int? ListingErrno { get; private set; }

    /// <summary>
    /// Opens <paramref name="name"/> beneath <paramref name="parentFd"/> ("." for a layer's root), which
    /// lstat saw as <paramref name="expected"/>; null with why not (errno, message).
    /// </summary>
    public static LayerDirectory? Open(int layer, StackLayer source, int parentFd, ReadOnlySpan<byte> name, FileStat expected, byte[] pathInLayer, out int? errno, out string? error)
    {
        errno = null;
        error = null;
        int rc = HostFile.OpenNoAtime(parentFd, name, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC | Native.O_NONBLOCK, out int fd, out _);
        if (rc != 0)
        {
            errno = rc;
            error = rc == UnixError.ENOENT ? "directory vanished before it was listed" : "cannot open directory: " + UnixError.Describe(rc);
            return null;
        }
        rc = Native.Fstatx(fd, out var sx);
        if (rc != 0)
        {
            Native.Close(fd);
            errno = rc;
            error = "cannot stat the opened directory: " + UnixError.Describe(rc);
            return null;
        }
        var opened = FileStat.FromStatx(sx);
        if (!opened.IsSameFile(expected) || opened.Kind != Evidence.EntryKind.Directory)
        {
            Native.Close(fd);
            error = $"directory replaced between stat and open (inode {expected.Inode} became {opened.Inode}), not entered";
            return null;
        }
        rc = DirectoryHandle.FromDescriptor(fd, out var handle);
        if (rc != 0)
        {
            errno = rc;
            error = "cannot read directory: " + UnixError.Describe(rc);
            return null;
        }
        var directory = new LayerDirectory(layer, source, handle!, opened, pathInLayer);
        directory.ReadMarkers(fd);
        directory.List();
        return directory;
    }

    /// <summary>Whether <paramref name="name"/>, which this directory lists as <paramref name="stat"/>, deletes what is below it.</summary>
    public bool IsWhiteout(byte[] name, FileStat stat)
    {
        if (stat.Kind == Evidence.EntryKind.Whiteout)
        {
            return true;
        }
        return HoldsXWhiteouts && stat.Kind == Evidence.EntryKind.File && stat.Size == 0 && MarkerOf(name, "whiteout") is not null;
    }

    /// <summary>The overlay marker <paramref name="marker"/> ("redirect", "metacopy", ...) of a name in this directory, by its O_PATH descriptor (never following it).</summary>
    public byte[]? MarkerOf(byte[] name, string marker)
    {
        using var lease = Handle.Borrow();
        if (Native.OpenAt(lease.Fd, name, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, out int pfd) != 0)
        {
            return null;
        }
        try
        {
            Span<byte> proc = stackalloc byte[32];
            int length = Native.FormatProcFdPath(pfd, proc);
            return Marker(Native.XattrTarget.PathFollow, -1, proc[..(length + 1)], Source.MarkerPrefix + marker);
        }
        finally
        {
            Native.Close(pfd);
        }
    }

    public void Dispose() => Handle.Dispose();

    private void ReadMarkers(int fd)
    {
        var opaque = Marker(Native.XattrTarget.Descriptor, fd, [], Source.MarkerPrefix + "opaque");
        Opaque = opaque is [(byte)'y'];
        HoldsXWhiteouts = opaque is [(byte)'x'];
        Redirect = Marker(Native.XattrTarget.Descriptor, fd, [], Source.MarkerPrefix + "redirect") is { Length: > 0 } r ? r : null;
    }

    private void List()
    {
        var names = new List<byte[]>();
        int rc = Handle.ReadAllNames(names);
        if (rc != 0)
        {
            ListingErrno = rc;
            ListingProblem = $"listing stopped after {names.Count} names: {UnixError.Describe(rc)}";
        }
        bool aufs = Source.Whiteouts == LayerWhiteouts.Aufs;
        foreach (var name in names)
        {
            if (aufs && name.AsSpan().StartsWith(AufsPrefix))
            {
                if (name.AsSpan().SequenceEqual(AufsOpaque))
                {
                    Opaque = true;
                }
                else if (!name.AsSpan().StartsWith(AufsMeta))
                {
                    Deleted.Add(name[AufsPrefix.Length..]);
                }
                continue;  // the format's own names are never shown
            }
            Names.Add(name);
        }
    }

    /// <summary>One extended attribute's value (at most 4 KiB: a redirect is a path), or null when absent or unreadable.</summary>
    private static unsafe byte[]? Marker(Native.XattrTarget how, int fd, ReadOnlySpan<byte> pathZ, string attribute)
    {
        byte[] nameZ = Encoding.ASCII.GetBytes(attribute + "\0");
        byte[] value = new byte[4096];
        long n;
        fixed (byte* path = pathZ)
        fixed (byte* name = nameZ)
        {
            n = Native.GetXattr(how, fd, path, name, value);
        }
        return n >= 0 ? value[..(int)n] : null;
    }
}
