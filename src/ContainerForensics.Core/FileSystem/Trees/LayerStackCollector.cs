using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// Hands the merged view of a <see cref="LayerStack"/> to the sink, entry by entry, as
/// <see cref="HostTreeCollector"/> hands a mounted merged directory: the whole filesystem of a
/// container read from its layers (dead-box <c>--filesystem full</c>). Each item's source
/// description names the layer it came from. What the merge applied (whiteouts, opaque
/// directories, redirects, metacopy) is not copied: the overlay's own attributes
/// (<c>trusted.overlay.*</c>, or <c>user.overlay.*</c> of a rootless layer) are left out of the
/// merged entries, as a mounted overlay hides them; the writable layer's own walk keeps them.
/// </summary>
public sealed class LayerStackCollector
{
    public required EvidenceSection Section { get; init; }

    /// <summary>The path inside the container the merged root stands for ("/").</summary>
    public byte[] RootRawPath { get; init; } = "/"u8.ToArray();

    /// <summary>Hand over the root directory itself; a root filesystem's "/" is left out, as the export and a merged walk leave it out.</summary>
    public bool IncludeRoot { get; init; }

    /// <summary>What the stack is, for the manifest: "the layers of container ID (writable layer and 7 image layers)".</summary>
    public required string Description { get; init; }

    public required CaptureLimits Limits { get; init; }

    /// <summary>Walks the merged tree into the sink; a layer that cannot be read where it should be is recorded on the entries it concerns.</summary>
    public async Task<SourceResult> CollectAsync(LayerStack stack, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(sink);
        int items = 0;
        int count = stack.Layers.Count;
        foreach (var entry in stack.Walk(cancellationToken))
        {
            if (entry.IsRoot && !IncludeRoot)
            {
                if (entry.Error is not null)
                {
                    sink.RecordError($"{Description}: {entry.Error}", null, entry.Errno, ContainerPath.Show(RootRawPath));
                }
                continue;
            }
            var source = new EvidenceSource
            {
                Description = $"{entry.Layer.Name} (layer {entry.LayerIndex + 1} of {count}, topmost first) in {Description}",
            };
            var capture = entry.Capture(Limits);
            var item = capture.ToEvidenceItem(Section, ContainerPath.Join(RootRawPath, entry.RelativePath), source);
            item = await ApplyMetacopyAsync(item, entry).ConfigureAwait(false);
            item = item with { Metadata = item.Metadata with { ExtendedAttributes = WithoutMarkers(item.Metadata.ExtendedAttributes, entry.Layer) } };
            item = NoteProblems(item, entry);
            await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
            items++;
        }
        return new SourceResult(items);
    }

    /// <summary>A metacopy file holds metadata only: the data is the first lower layer's that has it, as overlayfs reads it.</summary>
    private async Task<EvidenceItem> ApplyMetacopyAsync(EvidenceItem item, LayerStackEntry entry)
    {
        if (!entry.Layer.IsMetacopy(item.Metadata) || item.Content is not { } upper)
        {
            return item;
        }
        await upper.DisposeAsync().ConfigureAwait(false);
        var (content, layer) = entry.LowerContent(entry.Layer.Marker(item.Metadata, "redirect") is { Length: > 0 } r ? r : null, Limits);
        return content is null
            ? item with { Content = null, Status = EntryStatus.Partial, Reason = Reasons.Join(item.Reason, $"overlay metacopy: {entry.Layer.Name} holds only this file's metadata, and no lower layer had its content") }
            : item with { Content = content, Reason = Reasons.Join(item.Reason, $"overlay metacopy: metadata from {entry.Layer.Name}, content from {layer!.Name}") };
    }

    /// <summary>A directory whose merge was incomplete, or that was not entered, is itself collected; the entry says what is missing below it.</summary>
    private static EvidenceItem NoteProblems(EvidenceItem item, LayerStackEntry entry)
    {
        string? problem = entry.Stat is null ? null : entry.Error ?? entry.NotDescended;
        if (problem is null || item.Status is EntryStatus.Failed or EntryStatus.Missing)
        {
            return item;
        }
        return item with
        {
            Status = item.Status == EntryStatus.Collected ? EntryStatus.Partial : item.Status,
            Reason = Reasons.Join(item.Reason, (entry.Error is not null ? "its contents were not all merged: " : "its contents were not collected: ") + problem),
            Errno = item.Errno ?? entry.Errno,
        };
    }

    private static IReadOnlyList<KeyValuePair<string, byte[]>> WithoutMarkers(IReadOnlyList<KeyValuePair<string, byte[]>> attributes, StackLayer layer)
    {
        string prefix = layer.MarkerPrefix;
        return attributes.Any(a => a.Key.StartsWith(prefix, StringComparison.Ordinal))
            ? attributes.Where(a => !a.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList()
            : attributes;
    }
}
