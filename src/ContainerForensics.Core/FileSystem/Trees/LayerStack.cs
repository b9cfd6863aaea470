using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// The merged view of an ordered stack of layer directories, as overlayfs would show it, read
/// from the layers themselves without mounting anything (a disk image, a stopped engine's
/// snapshots): the whole filesystem of a container from its writable layer and its image's
/// layers (https://docs.kernel.org/filesystems/overlayfs.html, "Directories", "whiteouts and
/// opaque directories", "Redirect dir", "Metadata only copy up").
/// <code>
/// using var stack = new LayerStack([
///     new StackLayer(image.OpenTree(".../overlay2/RW/diff"), "writable layer ..."),
///     new StackLayer(image.OpenTree(".../overlay2/L1/diff"), "image layer 1 ..."),   // topmost first
/// ]);
/// foreach (var entry in stack.Walk(ct)) { ... entry.Capture(limits) ... }
/// // or: await new LayerStackCollector { ... }.CollectAsync(stack, sink, ct);
/// </code>
/// <para>Rules, at every place of the tree:</para>
/// <list type="bullet">
/// <item>a name in a higher layer hides the same name below; a directory merges with the
/// directories of that name below it, down to the first layer where the name is anything else
/// (a file, a whiteout) or where the directory is opaque (that one still merges);</item>
/// <item>a whiteout deletes the name below it and is not shown: a character device 0:0, an
/// xwhiteout, and in <see cref="LayerWhiteouts.Aufs"/> layers <c>.wh.NAME</c> (and
/// <c>.wh..wh..opq</c> makes its directory opaque);</item>
/// <item>a redirected directory (<c>overlay.redirect</c>) merges with the lower layers' directory at
/// the redirect, not at its own name; a metacopy file's data is the lower layer's
/// (<see cref="LayerStackEntry.LowerContent"/>, used by <see cref="LayerStackCollector"/>).</item>
/// </list>
/// Order is <see cref="SafeTreeWalker"/>'s: depth-first, the root first, names sorted by their
/// bytes, a directory before its contents; so a merged view compares entry for entry with a walk
/// of the mounted overlay. Nothing is followed: every name is opened beneath its directory's
/// descriptor with O_NOFOLLOW, only regular files are read.
/// <para>
/// Memory and descriptors grow with the directories open along the current path (one per layer
/// that has the directory, with its names), never with the number of files: the merge goes
/// directory by directory across the layers, and no set of every path seen is kept. Directories
/// deeper than <see cref="WalkOptions.MaxDepth"/>, or that would hold more than
/// <see cref="MaxOpenDirectories"/> open at once, are handed out but not entered, with the reason.
/// The layers are trees that do not change under the walk (nothing here notices a layer removed
/// while it is read; a live container's merged view is the kernel's mount).
/// </para>
/// </summary>
public sealed class LayerStack : IDisposable
{
    private readonly WalkOptions _options;

    /// <param name="layers">Topmost first (a container's writable layer, then its image's layers from the top). The stack disposes their trees.</param>
    public LayerStack(IReadOnlyList<StackLayer> layers, WalkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("a layer stack needs at least one layer", nameof(layers));
        }
        Layers = layers;
        _options = options ?? WalkOptions.Default;
    }

    public IReadOnlyList<StackLayer> Layers { get; }

    /// <summary>A directory whose entering would hold more layer directories open than this is not entered (an image of 125 layers nested 256 deep would need 32,000).</summary>
    public int MaxOpenDirectories { get; init; } = 4096;

    /// <summary>Names a whiteout deleted during the last walk (each counted where the whiteout hid something).</summary>
    public long WhiteoutsApplied { get; private set; }

    /// <summary>
    /// The entries of the merged tree, the root first. Enumerate it once at a time; each
    /// enumeration reads the layers afresh. Breaking off early closes what it opened.
    /// </summary>
    public IEnumerable<LayerStackEntry> Walk(CancellationToken cancellationToken = default)
    {
        foreach (var layer in Layers)
        {
            ObjectDisposedException.ThrowIf(layer.Tree.IsDisposed, layer.Tree);
        }
        return WalkCore(cancellationToken);
    }

    public void Dispose()
    {
        foreach (var layer in Layers)
        {
            layer.Tree.Dispose();
        }
    }

    private IEnumerable<LayerStackEntry> WalkCore(CancellationToken cancellationToken)
    {
        WhiteoutsApplied = 0;
        var stack = new Stack<Frame>();
        int open = 0;
        try
        {
            var (rootFrame, rootProblem, rootErrno) = OpenRoots();
            open += rootFrame?.Directories.Count ?? 0;
            var top = Layers[0];
            yield return new LayerStackEntry(Layers, null, [], top, 0, [], [], 0, top.Tree.RootStat, rootErrno, rootProblem, null);
            if (rootFrame is not null)
            {
                stack.Push(rootFrame);
            }

            while (stack.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var frame = stack.Peek();
                if (frame.Index == frame.Names.Count)
                {
                    stack.Pop();
                    open -= frame.Directories.Count;
                    frame.Dispose();
                    continue;
                }
                byte[] name = frame.Names[frame.Index];
                frame.Names[frame.Index] = [];
                frame.Index++;
                int depth = frame.Depth + 1;
                byte[] relative = Join(frame.Prefix, name);

                var found = Resolve(frame, name);
                if (found.Deleted)
                {
                    WhiteoutsApplied++;
                    continue;
                }
                var owner = found.Owner!;
                byte[] inLayer = Join(owner.PathInLayer, name);
                var lower = LowerOf(frame, owner);
                if (found.Stat is not { Kind: EntryKind.Directory } stat)
                {
                    yield return new LayerStackEntry(Layers, owner, lower, owner.Source, owner.Layer, relative, inLayer, depth, found.Stat, found.Errno, found.Error, null);
                    continue;
                }
                string? notDescended = null;
                if (depth >= _options.MaxDepth)
                {
                    notDescended = $"depth limit {_options.MaxDepth} reached, not entered";
                }
                else if (_options.StayOnFileSystem && stat.Device != owner.Source.Tree.RootStat.Device)
                {
                    notDescended = $"mount point of another filesystem ({stat.DeviceMajor}:{stat.DeviceMinor}) in {owner.Source.Name}, not entered";
                }
                Frame? child = null;
                string? problem = null;
                int? errno = null;
                if (notDescended is null)
                {
                    (child, problem, errno) = Enter(frame, name, owner, stat, relative, depth);
                    if (child is not null && open + child.Directories.Count > MaxOpenDirectories)
                    {
                        notDescended = $"{open + child.Directories.Count} layer directories would be open at once (more than {MaxOpenDirectories}), not entered";
                        child.Dispose();
                        child = null;
                    }
                }
                if (child is not null)
                {
                    open += child.Directories.Count;
                    stack.Push(child);  // before the yield: a consumer that stops here still gets it closed
                }
                yield return new LayerStackEntry(Layers, owner, lower, owner.Source, owner.Layer, relative, inLayer, depth, stat, errno, problem, notDescended);
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                stack.Pop().Dispose();
            }
        }
    }

    /// <summary>Each layer's root, top down, until an opaque one; the root frame, or why even the top layer's root cannot be listed.</summary>
    private (Frame? Frame, string? Problem, int? Errno) OpenRoots()
    {
        var directories = new List<LayerDirectory>();
        var problems = new List<string>();
        int? firstErrno = null;
        for (int i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            LayerDirectory? root;
            int? errno;
            string? error;
            using (var lease = layer.Tree.BorrowRoot())
            {
                root = LayerDirectory.Open(i, layer, lease.Fd, "."u8, layer.Tree.RootStat, [], out errno, out error);
            }
            if (root is null)
            {
                problems.Add($"{layer.Name}: {error}");
                firstErrno ??= errno;
                continue;
            }
            directories.Add(root);
            if (root.ListingProblem is { } listing)
            {
                problems.Add($"{layer.Name}: {listing}");
                firstErrno ??= root.ListingErrno;
            }
            if (root.Opaque)
            {
                break;
            }
        }
        string? problem = problems.Count == 0 ? null : string.Join("; ", problems);
        return directories.Count == 0 ? (null, problem, firstErrno) : (new Frame(directories, [], 0), problem, firstErrno);
    }

    /// <summary>
    /// Which layer shows <paramref name="name"/> at this place: looked up top down through the
    /// frame's directories; the first layer that has it decides (a whiteout there deletes it).
    /// </summary>
    private static Lookup Resolve(Frame frame, byte[] name)
    {
        foreach (var directory in frame.Directories)
        {
            if (directory.Names.Contains(name))
            {
                FileStat? stat;
                int errno;
                using (var lease = directory.Handle.Borrow())
                {
                    stat = FileStat.At(lease.Fd, name, followFinalSymlink: false, out errno);
                }
                if (stat is null)
                {
                    string error = errno == UnixError.ENOENT ? "vanished before it was examined" : "lstat failed: " + UnixError.Describe(errno);
                    return new Lookup(directory, null, errno, error, Deleted: false);
                }
                return directory.IsWhiteout(name, stat)
                    ? new Lookup(null, null, null, null, Deleted: true)
                    : new Lookup(directory, stat, null, null, Deleted: false);
            }
            if (directory.Deleted.Contains(name))
            {
                return new Lookup(null, null, null, null, Deleted: true);
            }
        }
        throw new InvalidOperationException("a merged name that no layer lists");
    }

    /// <summary>
    /// Opens a directory of the merged tree in every layer that contributes to it: the owner's,
    /// then down the frame's lower directories while the name is a directory there and the last
    /// one taken is not opaque; a redirect sends the lookup of the layers below it elsewhere.
    /// Null when not even the owner's can be opened (the reason is the entry's error).
    /// </summary>
    private (Frame? Frame, string? Problem, int? Errno) Enter(Frame frame, byte[] name, LayerDirectory owner, FileStat stat, byte[] relative, int depth)
    {
        var problems = new List<string>();
        int? firstErrno = null;
        LayerDirectory? top;
        int? errno;
        string? error;
        using (var lease = owner.Handle.Borrow())
        {
            top = LayerDirectory.Open(owner.Layer, owner.Source, lease.Fd, name, stat, Join(owner.PathInLayer, name), out errno, out error);
        }
        if (top is null)
        {
            return (null, error, errno);
        }
        var directories = new List<LayerDirectory> { top };
        Note(top, problems, ref firstErrno);
        var last = top;
        // Where the layers below look: the same name in the frame's directories, until a redirect says otherwise.
        byte[]? redirect = top.Redirect;
        for (int i = owner.Layer + 1; i < Layers.Count && !last.Opaque; i++)
        {
            var (next, stop) = LowerDirectory(frame, i, name, redirect, problems, ref firstErrno);
            if (stop)
            {
                break;
            }
            if (next is null)
            {
                continue;
            }
            directories.Add(next);
            Note(next, problems, ref firstErrno);
            redirect = next.Redirect ?? redirect;
            last = next;
        }
        string? problem = problems.Count == 0 ? null : string.Join("; ", problems);
        return (new Frame(directories, relative, depth), problem, firstErrno);
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s directory for a merged directory: null when that layer has
    /// nothing there (look further down); stop when it has something that ends the merge (a
    /// file, a whiteout) or cannot be looked into.
    /// </summary>
    private (LayerDirectory? Directory, bool Stop) LowerDirectory(Frame frame, int layer, byte[] name, byte[]? redirect, List<string> problems, ref int? firstErrno)
    {
        var source = Layers[layer];
        FileDescriptor? parentFd = null;
        LayerDirectory? parentInFrame = null;
        byte[] leaf;
        byte[] pathInLayer;
        if (redirect is [(byte)'/', ..])
        {
            // Absolute: from the layer's root, one segment at a time, never following a link.
            var target = redirect.AsSpan().TrimStart((byte)'/');
            int slash = target.LastIndexOf((byte)'/');
            leaf = (slash < 0 ? target : target[(slash + 1)..]).ToArray();
            pathInLayer = target.ToArray();
            int rc = source.Tree.OpenDirectoryBeneath(slash < 0 ? [] : target[..slash], out parentFd);
            if (rc != 0)
            {
                return (null, rc != UnixError.ENOENT);
            }
        }
        else
        {
            parentInFrame = frame.Directories.FirstOrDefault(d => d.Layer == layer);
            if (parentInFrame is null)
            {
                return (null, false);  // the parent is not merged from this layer: neither is the child
            }
            leaf = redirect ?? name;
            pathInLayer = Join(parentInFrame.PathInLayer, leaf);
            if (redirect is null && !parentInFrame.Names.Contains(leaf))
            {
                return (null, parentInFrame.Deleted.Contains(leaf));
            }
        }
        using (parentFd)
        {
            FileStat? stat;
            int errno;
            using (var lease = parentFd is not null ? parentFd.Borrow() : parentInFrame!.Handle.Borrow())
            {
                stat = FileStat.At(lease.Fd, leaf, followFinalSymlink: false, out errno);
            }
            if (stat is null)
            {
                if (errno != UnixError.ENOENT)
                {
                    problems.Add($"{source.Name}: lstat of '{ContainerPath.Show(ContainerPath.FromRelative(pathInLayer))}' failed: {UnixError.Describe(errno)}; what it holds is not merged");
                    firstErrno ??= errno;
                }
                return (null, errno != UnixError.ENOENT);
            }
            if (stat.Kind != EntryKind.Directory || parentInFrame is not null && parentInFrame.IsWhiteout(leaf, stat))
            {
                return (null, true);
            }
            if (_options.StayOnFileSystem && stat.Device != source.Tree.RootStat.Device)
            {
                problems.Add($"{source.Name}: '{ContainerPath.Show(ContainerPath.FromRelative(pathInLayer))}' is a mount point of another filesystem, not merged");
                return (null, true);
            }
            LayerDirectory? directory;
            string? error;
            int? openErrno;
            using (var lease = parentFd is not null ? parentFd.Borrow() : parentInFrame!.Handle.Borrow())
            {
                directory = LayerDirectory.Open(layer, source, lease.Fd, leaf, stat, pathInLayer, out openErrno, out error);
            }
            if (directory is null)
            {
                problems.Add($"{source.Name}: {error}; what it holds is not merged");
                firstErrno ??= openErrno;
                return (null, true);
            }
            return (directory, false);
        }
    }

    private static void Note(LayerDirectory directory, List<string> problems, ref int? firstErrno)
    {
        if (directory.ListingProblem is { } problem)
        {
            problems.Add($"{directory.Source.Name}: {problem}");
            firstErrno ??= directory.ListingErrno;
        }
    }

    /// <summary>The frame's directories below the owner's layer: where a metacopy file's data is looked for.</summary>
    private static List<LayerDirectory> LowerOf(Frame frame, LayerDirectory owner) =>
        frame.Directories.Where(d => d.Layer > owner.Layer).ToList();

    private static byte[] Join(byte[] prefix, byte[] name) =>
        prefix.Length == 0 ? name : [.. prefix, (byte)'/', .. name];

    private sealed record Lookup(LayerDirectory? Owner, FileStat? Stat, int? Errno, string? Error, bool Deleted);

    /// <summary>One merged directory being walked: its layers' directories (top first) and the union of their names, sorted.</summary>
    private sealed class Frame : IDisposable
    {
        public Frame(List<LayerDirectory> directories, byte[] prefix, int depth)
        {
            Directories = directories;
            Prefix = prefix;
            Depth = depth;
            var union = new HashSet<byte[]>(ByteNames.Instance);
            foreach (var d in directories)
            {
                union.UnionWith(d.Names);
            }
            Names = [.. union];
            Names.Sort(ByteNames.Instance);
        }

        public List<LayerDirectory> Directories { get; }

        public byte[] Prefix { get; }

        public int Depth { get; }

        public List<byte[]> Names { get; }

        public int Index { get; set; }

        public void Dispose()
        {
            foreach (var d in Directories)
            {
                d.Dispose();
            }
        }
    }
}
