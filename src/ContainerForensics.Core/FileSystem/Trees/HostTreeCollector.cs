using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// Hands every entry of a host directory that holds (part of) a container's filesystem to the
/// sink: an overlay upper directory (the writable layer), a mounted merged directory (the whole
/// root) or a volume's <c>_data</c>. The walk is <see cref="SafeTreeWalker"/>'s: no symlink is
/// ever followed, hostile names are bytes, nothing but regular files is opened.
/// <para>
/// With <see cref="Overlay"/> set, the directory is an upper layer and overlayfs' markers are
/// read (https://docs.kernel.org/filesystems/overlayfs.html): 0:0 character devices are already
/// whiteouts (<see cref="FileStat.KindOf"/>); opaque and redirected directories get a reason;
/// xwhiteouts become whiteouts; a metacopy file, whose upper copy holds no data, gets its
/// content from the lower layer that has it.
/// </para>
/// </summary>
public sealed class HostTreeCollector
{
    public required EvidenceSection Section { get; init; }

    /// <summary>The path inside the container the walk root stands for: "/" for a root or layer, "/NAME" for a volume.</summary>
    public required byte[] RootRawPath { get; init; }

    /// <summary>
    /// Where the walk root is mounted in the container, when that differs from
    /// <see cref="RootRawPath"/> (a volume: "/NAME" in the archive, "/data" in the container); the
    /// manifest's source path then names the file as processes in the container saw it.
    /// </summary>
    public byte[]? MountedAt { get; init; }

    /// <summary>Hand over the root directory itself (a volume's); a layer's or rootfs's root is "/", which /changes and the export leave out too.</summary>
    public bool IncludeRoot { get; init; }

    /// <summary>Null for a plain tree; for an upper layer, the lower layers (topmost first) that metacopy content is looked up in.</summary>
    public IReadOnlyList<string>? Overlay { get; init; }

    /// <summary>
    /// When set, the <see cref="Overlay"/> lower directories are a nested daemon's paths, opened
    /// beneath this root (<see cref="Runtimes.RuntimeLocality.PathRoot"/>) without following a link.
    /// </summary>
    public string? OverlayRoot { get; init; }

    /// <summary>For the manifest's source description, e.g. "overlay upperdir /var/lib/docker/overlay2/ID/diff".</summary>
    public required string Description { get; init; }

    public required CaptureLimits Limits { get; init; }

    /// <summary>
    /// Walks the tree into the sink. When the walk root goes away under the walk (the container
    /// removed, or stopped and its root unmounted), the walk stops and <see cref="StoppedWalk"/>
    /// accounts for every name not walked; the result is broken and names where it stopped.
    /// </summary>
    public async Task<SourceResult> CollectAsync(SafeTreeWalker walker, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource { Description = Description };
        using var lowers = new LowerLayers(Overlay ?? [], OverlayRoot);
        int items = 0;
        byte[]? lastWritten = null;
        foreach (var entry in walker.Walk(cancellationToken))
        {
            // A listing is trusted only if the root is still there after it: overlayfs lists a
            // directory whose upper layer was deleted (docker rm) as empty, without an error.
            if ((entry.Errno == UnixError.ENOENT || Listed(entry)) && RootGone(walker))
            {
                return await new StoppedWalk(this, source).RecordAsync(walker, entry, sink, items, lastWritten, cancellationToken).ConfigureAwait(false);
            }
            if (entry.IsRoot && !IncludeRoot)
            {
                if (entry.Error is not null)
                {
                    sink.RecordError($"{Description}: {entry.Error}", null, entry.Errno, ContainerPath.Show(RootRawPath));
                }
                continue;
            }
            var capture = entry.Capture(Limits);
            if (capture.Errno == UnixError.ENOENT && RootGone(walker))
            {
                if (capture.Content is { } open)
                {
                    await open.DisposeAsync().ConfigureAwait(false);
                }
                return await new StoppedWalk(this, source).RecordAsync(walker, entry, sink, items, lastWritten, cancellationToken).ConfigureAwait(false);
            }
            byte[] rawPath = ContainerPath.Join(RootRawPath, entry.RelativePath);
            var item = capture.ToEvidenceItem(Section, rawPath,
                MountedAt is null ? source : source with { OriginalPath = ContainerPath.Join(MountedAt, entry.RelativePath) });
            if (Overlay is not null)
            {
                item = await ApplyOverlayAsync(item, entry.RelativePath, lowers).ConfigureAwait(false);
            }
            item = NoteWalkProblems(item, entry);
            await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
            items++;
            lastWritten = rawPath;
        }
        // Removed after the last listing, or removed file by file (rm -rf empties a directory
        // before it removes it, so an upper layer's root stays until the end): the walk cannot
        // tell a name deleted by the removal from one the container deleted; say so.
        if (RootGone(walker))
        {
            string last = lastWritten is null ? "none" : $"'{ContainerPath.Show(lastWritten)}'";
            return new SourceResult(items,
                $"{Description}: the directory vanished before the walk ended (removed with its container?), after {items} entries, the last written {last}; a directory listed while it was being removed may have listed fewer names than it held",
                null, UnixError.ENOENT);
        }
        return new SourceResult(items);
    }

    /// <summary>A directory the walker opened and listed (not one it left alone).</summary>
    private static bool Listed(WalkEntry entry) => entry.Stat is { Kind: EntryKind.Directory } && entry.NotDescended is null;

    /// <summary>A directory whose listing failed or that was not entered is itself collected; what it holds is not, and the entry says so.</summary>
    private static EvidenceItem NoteWalkProblems(EvidenceItem item, WalkEntry entry)
    {
        string? problem = entry.Stat is null ? null : entry.Error ?? entry.NotDescended;
        if (problem is null || item.Status is EntryStatus.Failed or EntryStatus.Missing)
        {
            return item;
        }
        return item with
        {
            Status = item.Status == EntryStatus.Collected ? EntryStatus.Partial : item.Status,
            Reason = Reasons.Join(item.Reason, "its contents were not collected: " + problem),
            Errno = item.Errno ?? entry.Errno,
        };
    }

    private async Task<EvidenceItem> ApplyOverlayAsync(EvidenceItem item, byte[] relativePath, LowerLayers lowers)
    {
        var m = item.Metadata;
        if (OverlayMarkers.IsXWhiteout(m))
        {
            if (item.Content is { } c)
            {
                await c.DisposeAsync().ConfigureAwait(false);
            }
            return item with { Content = null, Metadata = m with { Kind = EntryKind.Whiteout, Size = null }, Reason = Reasons.Join(item.Reason, "overlay xwhiteout (an empty file with the whiteout attribute): deleted in the container") };
        }
        if (OverlayMarkers.IsOpaque(m))
        {
            item = item with { Reason = Reasons.Join(item.Reason, "opaque directory: the image's content below it is hidden") };
        }
        if (m.Kind == EntryKind.Directory && OverlayMarkers.Redirect(m) is { } redirect)
        {
            item = item with { Reason = Reasons.Join(item.Reason, $"renamed or moved directory: overlay redirect to '{OverlayMarkers.Describe(redirect)}'; its unchanged content is the image's at that path and is not in this layer") };
        }
        if (OverlayMarkers.IsMetacopy(m) && item.Content is { } upperContent)
        {
            // The upper copy is all holes: reading it would hash zeros. The data is a lower layer's.
            await upperContent.DisposeAsync().ConfigureAwait(false);
            byte[] lowerPath = LowerPathOf(relativePath, OverlayMarkers.Redirect(m));
            var (content, layer) = lowers.FindContent(lowerPath, Limits);
            return content is null
                ? item with { Content = null, Status = EntryStatus.Partial, Reason = Reasons.Join(item.Reason, "overlay metacopy: the writable layer holds only this file's metadata, and no lower layer had its content") }
                : item with { Content = content, Reason = Reasons.Join(item.Reason, $"overlay metacopy: metadata from the writable layer, content from the lower layer {layer}") };
        }
        return item;
    }

    /// <summary>Where a metacopy file's data lies in the lower layers: its redirect (absolute from the layer root, or a name next to it), else the same path.</summary>
    private static byte[] LowerPathOf(byte[] relativePath, byte[]? redirect)
    {
        if (redirect is null)
        {
            return relativePath;
        }
        if (redirect[0] == (byte)'/')
        {
            return redirect.AsSpan().TrimStart((byte)'/').ToArray();
        }
        int slash = relativePath.AsSpan().LastIndexOf((byte)'/');
        return slash < 0 ? redirect : [.. relativePath.AsSpan(0, slash + 1), .. redirect];
    }

    /// <summary>
    /// The walk root is no longer the directory we opened: the layer (or the volume) was removed
    /// under us. Resolved as the root was opened, so a nested daemon's path is looked up beneath
    /// its root again, not through a link planted since.
    /// </summary>
    private static bool RootGone(SafeTreeWalker walker)
    {
        var now = walker.StatRootNow(out _);
        return now is null || !now.IsSameFile(walker.RootStat);
    }

    /// <summary>The lower layers of an upper one, opened on first use.</summary>
    private sealed class LowerLayers(IReadOnlyList<string> paths, string? root) : IDisposable
    {
        private readonly Dictionary<string, SafeTreeWalker?> _open = new(StringComparer.Ordinal);

        public (IEvidenceContent? Content, string? Layer) FindContent(byte[] relativePath, CaptureLimits limits)
        {
            foreach (var path in paths)
            {
                if (Open(path) is not { } walker)
                {
                    continue;
                }
                var capture = walker.Capture(relativePath, limits);
                if (capture.Content is { } content)
                {
                    if (capture.Status == EntryStatus.Collected && !OverlayMarkers.IsMetacopy(capture.Metadata))
                    {
                        return (content, path);
                    }
                    content.Dispose();
                }
            }
            return (null, null);
        }

        private SafeTreeWalker? Open(string path)
        {
            if (!_open.TryGetValue(path, out var walker))
            {
                try
                {
                    walker = root is null
                        ? SafeTreeWalker.Open(System.Text.Encoding.UTF8.GetBytes(path))
                        : SafeTreeWalker.OpenBeneath(System.Text.Encoding.UTF8.GetBytes(root), System.Text.Encoding.UTF8.GetBytes(path.TrimStart('/')));
                }
                catch (IOException)
                {
                    walker = null;
                }
                _open[path] = walker;
            }
            return walker;
        }

        public void Dispose()
        {
            foreach (var w in _open.Values)
            {
                w?.Dispose();
            }
        }
    }
}
