using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// One name of the merged view of a <see cref="LayerStack"/>: its path in the merged tree, the
/// layer that provides it (the topmost that has it), what lstat said there, and why it failed or
/// was not entered. Failures are entries, never exceptions, as with <see cref="WalkEntry"/>.
/// </summary>
public sealed class LayerStackEntry
{
    private readonly LayerDirectory? _parent;
    private readonly IReadOnlyList<LayerDirectory> _lowerSiblings;
    private readonly IReadOnlyList<StackLayer> _layers;

    internal LayerStackEntry(IReadOnlyList<StackLayer> layers, LayerDirectory? parent, IReadOnlyList<LayerDirectory> lowerSiblings, StackLayer layer, int layerIndex, byte[] relativePath, byte[] pathInLayer, int depth, FileStat? stat, int? errno, string? error, string? notDescended)
    {
        _layers = layers;
        _parent = parent;
        _lowerSiblings = lowerSiblings;
        Layer = layer;
        LayerIndex = layerIndex;
        RelativePath = relativePath;
        PathInLayer = pathInLayer;
        Depth = depth;
        Stat = stat;
        Errno = errno;
        Error = error;
        NotDescended = notDescended;
    }

    /// <summary>Relative to the merged root, byte-exact; empty for the root.</summary>
    public byte[] RelativePath { get; }

    /// <summary>Where it is in <see cref="Layer"/>, relative to that layer's root (differs from <see cref="RelativePath"/> below a redirected directory).</summary>
    public byte[] PathInLayer { get; }

    /// <summary>The layer it comes from: the topmost that has it.</summary>
    public StackLayer Layer { get; }

    /// <summary>0 for the topmost layer of the stack.</summary>
    public int LayerIndex { get; }

    public int Depth { get; }

    public bool IsRoot => RelativePath.Length == 0;

    /// <summary>lstat in <see cref="Layer"/>; null when that failed.</summary>
    public FileStat? Stat { get; }

    public int? Errno { get; }

    /// <summary>
    /// What failed: the lstat, or opening or listing this directory in one of the layers (then
    /// what that layer holds below it is missing from the merged view).
    /// </summary>
    public string? Error { get; }

    /// <summary>Why a directory was deliberately not entered (depth limit, another filesystem, too many open directories).</summary>
    public string? NotDescended { get; }

    /// <summary>
    /// Captures the entry as its layer holds it: metadata (the overlay markers included) and, for
    /// a regular file, its content. Opened relative to its directory's descriptor while the walk is
    /// in that directory; afterwards resolved again from the layer's root, never following a symlink.
    /// </summary>
    public HostFileCapture Capture(CaptureLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (Stat is null)
        {
            return HostFileCapture.Failure(Errno ?? UnixError.ENOENT, Error ?? "lstat failed", null);
        }
        if (_parent is not null && !_parent.Handle.IsClosed)
        {
            try
            {
                using var lease = _parent.Handle.Borrow();
                return HostFile.CaptureAt(lease.Fd, LastSegment(PathInLayer), Stat, limits, nameIsFullPath: false);
            }
            catch (ObjectDisposedException)
            {
                // closed between the check and the borrow: resolve from the layer's root below
            }
        }
        return Layer.Tree.Capture(PathInLayer, limits, Stat);
    }

    /// <summary>
    /// The content of a metacopy file (its layer holds only metadata): the first layer below
    /// <see cref="Layer"/> whose file at the same place (or at <paramref name="redirect"/>: absolute
    /// from the layer's root, or a name beside it) is a regular file with data of its own. Null
    /// when none has it.
    /// </summary>
    internal (HostFileContent? Content, StackLayer? Layer) LowerContent(byte[]? redirect, CaptureLimits limits)
    {
        if (redirect is [(byte)'/', ..])
        {
            for (int i = LayerIndex + 1; i < _layers.Count; i++)
            {
                if (Usable(_layers[i].Tree.Capture(redirect.AsSpan(1), limits), _layers[i]) is { } found)
                {
                    return (found, _layers[i]);
                }
            }
            return (null, null);
        }
        byte[] name = redirect ?? LastSegment(PathInLayer).ToArray();
        foreach (var lower in _lowerSiblings)
        {
            if (lower.Handle.IsClosed)
            {
                continue;
            }
            HostFileCapture capture;
            using (var lease = lower.Handle.Borrow())
            {
                capture = HostFile.CaptureAt(lease.Fd, name, null, limits, nameIsFullPath: false);
            }
            if (Usable(capture, lower.Source) is { } found)
            {
                return (found, lower.Source);
            }
        }
        return (null, null);
    }

    /// <summary>The capture's content when it is a whole file with data of its own; anything else is disposed.</summary>
    private static HostFileContent? Usable(HostFileCapture capture, StackLayer layer)
    {
        if (capture.Content is not { } content)
        {
            return null;
        }
        if (capture.Status == EntryStatus.Collected && !layer.IsMetacopy(capture.Metadata))
        {
            return content;
        }
        content.Dispose();
        return null;
    }

    private static ReadOnlySpan<byte> LastSegment(byte[] path)
    {
        int slash = path.AsSpan().LastIndexOf((byte)'/');
        return slash < 0 ? path : path.AsSpan(slash + 1);
    }
}
