using System.Threading.Channels;
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
    /// <para>
    /// The walk and the capture of each name (open, statx, extended attributes) run on a thread
    /// of their own, up to <see cref="CaptureLimits.CaptureAhead"/> entries ahead of the sink,
    /// which takes them in walk order on the caller's: a tree of small files costs more in
    /// opening and stat-ing than in reading, and the writer's thread is what bounds it. Every
    /// decision about an entry (the root gone, the overlay markers) is still made where it was
    /// captured, in walk order, and the sink is only called from one side. With
    /// <c>CaptureAhead</c> 0 the two take turns on the caller's thread, in lockstep.
    /// </para>
    /// </summary>
    public async Task<SourceResult> CollectAsync(SafeTreeWalker walker, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource { Description = Description };
        var written = new Written();
        using var lowers = new LowerLayers(Overlay ?? [], OverlayRoot);
        var stopped = Limits.CaptureAhead > 0
            ? await TakeAheadAsync(walker, source, lowers, written, sink, cancellationToken).ConfigureAwait(false)
            : await TakeInTurnAsync(walker, source, lowers, written, sink, cancellationToken).ConfigureAwait(false);
        if (stopped is not null)
        {
            return stopped;
        }
        // Removed after the last listing, or removed file by file (rm -rf empties a directory
        // before it removes it, so an upper layer's root stays until the end): the walk cannot
        // tell a name deleted by the removal from one the container deleted; say so.
        if (RootGone(walker))
        {
            string last = written.Last is null ? "none" : $"'{ContainerPath.Show(written.Last)}'";
            return new SourceResult(written.Items,
                $"{Description}: the directory vanished before the walk ended (removed with its container?), after {written.Items} entries, the last written {last}; {StoppedWalk.ListedWhileRemoved}",
                null, UnixError.ENOENT);
        }
        return new SourceResult(written.Items);
    }

    /// <summary>
    /// Descriptors held by entries captured ahead, across every walk of the process (up to
    /// <c>--parallel</c> walks at once): a quarter of the open-file limit, between 16 and 1024, so
    /// that walks side by side never make an open fail with EMFILE where one at a time would not.
    /// </summary>
    private static readonly SemaphoreSlim AheadBudget = new(AheadPermits());

    internal static int AheadPermits() => (int)Math.Clamp((Native.OpenFileLimit() ?? 4096) / 4, 16, 1024);

    /// <summary>Permits not held now (for tests: every walk gives back what it took).</summary>
    internal static int AheadAvailable => AheadBudget.CurrentCount;

    /// <summary>Capture and sink in lockstep, on the caller's thread.</summary>
    private async Task<SourceResult?> TakeInTurnAsync(SafeTreeWalker walker, EvidenceSource source, LowerLayers lowers, Written written, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        foreach (var step in Steps(walker, source, lowers, cancellationToken))
        {
            if (await TakeAsync(step, source, written, sink, cancellationToken).ConfigureAwait(false) is { } stopped)
            {
                return stopped;
            }
        }
        return null;
    }

    /// <summary>The capture on a thread of its own, a bounded queue ahead of the sink.</summary>
    private async Task<SourceResult?> TakeAheadAsync(SafeTreeWalker walker, EvidenceSource source, LowerLayers lowers, Written written, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<Step>(new BoundedChannelOptions(Limits.CaptureAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var capture = Task.Factory.StartNew(() => Capture(Steps(walker, source, lowers, stop.Token), queue.Writer, stop.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (queue.Reader.TryRead(out var step))
                {
                    SourceResult? stopped;
                    try
                    {
                        stopped = await TakeAsync(step, source, written, sink, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        if (step is Step.Entry)
                        {
                            AheadBudget.Release(); // written, or handed to a sink that failed: its descriptor is the sink's
                        }
                    }
                    if (stopped is not null)
                    {
                        await capture.ConfigureAwait(false);
                        return stopped;
                    }
                }
            }
            await capture.ConfigureAwait(false);
            return null;
        }
        catch
        {
            // The sink failed, or the run was cancelled: stop capturing, and close what was
            // captured and never written. The capture's own end (cancelled) is not the news.
            await stop.CancelAsync().ConfigureAwait(false);
            await capture.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _ = capture.Exception;
            while (queue.Reader.TryRead(out var left))
            {
                if (left is Step.Entry entry)
                {
                    if (entry.Item.Content is { } open)
                    {
                        await open.DisposeAsync().ConfigureAwait(false);
                    }
                    AheadBudget.Release();
                }
            }
            throw;
        }
    }

    /// <summary>
    /// The capture thread: every step into the queue, waiting while it is full; always completes
    /// it. A permit of <see cref="AheadBudget"/> is taken before each capture (which may open a
    /// file) and travels with its entry until the sink's side has taken it.
    /// </summary>
    private static void Capture(IEnumerable<Step> steps, ChannelWriter<Step> queue, CancellationToken cancellationToken)
    {
        bool holding = false;
        try
        {
            using var walk = steps.GetEnumerator();
            while (true)
            {
                AheadBudget.Wait(cancellationToken);
                holding = true;
                if (!walk.MoveNext())
                {
                    break;
                }
                var step = walk.Current;
                if (step is not Step.Entry)
                {
                    AheadBudget.Release();
                    holding = false;
                }
                try
                {
                    while (!queue.TryWrite(step))
                    {
                        if (!queue.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                        {
                            throw new InvalidOperationException("the walk's queue was closed under it");
                        }
                    }
                }
                catch
                {
                    Close((step as Step.Entry)?.Item.Content);
                    throw;
                }
                holding = false; // queued: the permit is the entry's now
            }
        }
        finally
        {
            if (holding)
            {
                AheadBudget.Release();
            }
            queue.Complete();
        }
    }

    /// <summary>Hands one step to the sink; the result when it was the walk's stop.</summary>
    private async Task<SourceResult?> TakeAsync(Step step, EvidenceSource source, Written written, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        switch (step)
        {
            case Step.Entry entry:
                await sink.AddAsync(entry.Item, cancellationToken).ConfigureAwait(false);
                written.Items++;
                written.Last = entry.Item.RawPath;
                return null;
            case Step.RootError error:
                sink.RecordError(error.Message, null, error.Errno, ContainerPath.Show(RootRawPath));
                return null;
            case Step.Stopped stop:
                return await new StoppedWalk(this, source).RecordAsync(stop.Unwalked, stop.At, sink, written.Items, written.Last, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"unknown walk step {step.GetType().Name}");
        }
    }

    /// <summary>
    /// The walk and each name's capture, in walk order: an entry per name (its content open), or
    /// the stop, last, when the root went away.
    /// </summary>
    private IEnumerable<Step> Steps(SafeTreeWalker walker, EvidenceSource source, LowerLayers lowers, CancellationToken cancellationToken)
    {
        foreach (var entry in walker.Walk(cancellationToken))
        {
            // A listing is trusted only if the root is still there after it: overlayfs lists a
            // directory whose upper layer was deleted (docker rm) as empty, without an error.
            if ((entry.Errno == UnixError.ENOENT || Listed(entry)) && RootGone(walker))
            {
                yield return new Step.Stopped(entry, walker.Unwalked());
                yield break;
            }
            if (entry.IsRoot && !IncludeRoot)
            {
                if (entry.Error is not null)
                {
                    yield return new Step.RootError($"{Description}: {entry.Error}", entry.Errno);
                }
                continue;
            }
            var captured = entry.Capture(Limits);
            if (captured.Errno == UnixError.ENOENT && RootGone(walker))
            {
                Close(captured.Content);
                yield return new Step.Stopped(entry, walker.Unwalked());
                yield break;
            }
            byte[] rawPath = ContainerPath.Join(RootRawPath, entry.RelativePath);
            var item = captured.ToEvidenceItem(Section, rawPath,
                MountedAt is null ? source : source with { OriginalPath = ContainerPath.Join(MountedAt, entry.RelativePath) });
            if (Overlay is not null)
            {
                item = ApplyOverlay(item, entry.RelativePath, lowers);
            }
            yield return new Step.Entry(NoteWalkProblems(item, entry));
        }
    }

    /// <summary>What the sink has taken so far.</summary>
    private sealed class Written
    {
        public int Items { get; set; }

        public byte[]? Last { get; set; }
    }

    /// <summary>Closes content on the capture thread (a host file's descriptor: nothing to wait for).</summary>
    private static void Close(IEvidenceContent? content)
    {
        if (content is IDisposable disposable)
        {
            disposable.Dispose();
        }
        else if (content is not null)
        {
            content.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>What the capture thread hands over, in walk order.</summary>
    private abstract record Step
    {
        /// <summary>An entry for the sink; its content, if any, is open.</summary>
        public sealed record Entry(EvidenceItem Item) : Step;

        /// <summary>The walk root (not itself collected) could not be listed.</summary>
        public sealed record RootError(string Message, int? Errno) : Step;

        /// <summary>The root went away at <paramref name="At"/>; the last step.</summary>
        public sealed record Stopped(WalkEntry At, IReadOnlyList<UnwalkedDirectory> Unwalked) : Step;
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

    private EvidenceItem ApplyOverlay(EvidenceItem item, byte[] relativePath, LowerLayers lowers)
    {
        var m = item.Metadata;
        if (OverlayMarkers.IsXWhiteout(m))
        {
            Close(item.Content);
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
            Close(upperContent);
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
