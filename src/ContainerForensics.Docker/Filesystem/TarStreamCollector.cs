using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Tar;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// Repacks an engine's tar stream entry by entry: each entry the caller maps to a container path
/// becomes one item, its content streamed straight from the response into the sink. Memory stays
/// at the reader's buffers whatever the size of the container. The stream is read synchronously
/// by <see cref="PaxTarReader"/>; each read still has the connection's idle budget.
/// </summary>
internal sealed class TarStreamCollector
{
    public required EvidenceSection Section { get; init; }

    public required CaptureLimits Limits { get; init; }

    /// <summary>The call that produced the stream, for the manifest and for reasons.</summary>
    public required string Description { get; init; }

    /// <summary>
    /// A tar member name, made relative (<see cref="ContainerPath.RelativeFromTarName"/>), and
    /// its index in the stream (0 first; -1 for a hard link's target) to the container path it
    /// stands for; null leaves the entry out (the export's root directory).
    /// </summary>
    public required Func<byte[], int, byte[]?> MapName { get; init; }

    /// <summary>The path in the container for the manifest when it differs from the mapped one (a volume's files); null: the mapped path.</summary>
    public Func<byte[], int, byte[]>? OriginalPathOf { get; init; }

    /// <summary>Which mapped paths to hand over; null: all.</summary>
    public Func<byte[], bool>? Include { get; init; }

    /// <summary>Stop after this many tar entries (1: only the path asked for, not a directory's subtree).</summary>
    public int MaxEntries { get; init; } = int.MaxValue;

    /// <summary>Called with each container path handed over (a filter keeps track of what it saw).</summary>
    public Action<byte[]>? Taken { get; init; }

    /// <summary>
    /// Set by a filter: whether the target of a hard link (its container path) was handed over.
    /// A hard link whose target was left out would be a record of nothing; it goes to
    /// <see cref="Deferred"/> instead, for the caller to fetch as a file of its own.
    /// </summary>
    public Func<byte[], bool>? HardLinkTargetTaken { get; init; }

    /// <summary>Hard links left for later (see <see cref="HardLinkTargetTaken"/>).</summary>
    public Action<byte[]>? Deferred { get; init; }

    /// <summary>
    /// Reads until the end-of-archive marker, <see cref="MaxEntries"/>, or a break. A cut-off or
    /// malformed stream ends the collection with a failure; the items before it stay.
    /// </summary>
    public async Task<SourceResult> CollectAsync(Stream tar, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource { Description = Description };
        using var reader = new PaxTarReader(tar, leaveOpen: true);
        int items = 0;
        byte[]? lastWritten = null;
        for (int index = 0; index < MaxEntries; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TarReadEntry? entry;
            try
            {
                entry = reader.Next();
            }
            catch (Exception ex) when (ex is TarFormatException or IOException)
            {
                return Broken(items, ex, lastWritten, insideIt: false);
            }
            if (entry is null)
            {
                break;
            }
            var header = entry.Header;
            byte[] relative = ContainerPath.RelativeFromTarName(header.Name).ToArray();
            byte[]? rawPath = MapName(relative, index);
            if (rawPath is null || (Include is not null && !Include(rawPath)))
            {
                continue;
            }
            byte[]? linkTarget = header.Type == TarEntryType.HardLink && header.LinkName is { } link
                ? MapName(ContainerPath.RelativeFromTarName(link).ToArray(), -1) ?? link
                : null;
            if (linkTarget is not null && HardLinkTargetTaken is not null && !HardLinkTargetTaken(linkTarget))
            {
                Deferred?.Invoke(rawPath);
                continue;
            }
            var itemSource = OriginalPathOf is null ? source : source with { OriginalPath = OriginalPathOf(relative, index) };
            var item = TarEvidence.Item(reader, header, Section, rawPath, linkTarget, Limits, itemSource, out var content);
            await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
            items++;
            lastWritten = rawPath;
            Taken?.Invoke(rawPath);
            if (content?.Failure is { } failure)
            {
                return Broken(items, failure, lastWritten, insideIt: true);
            }
        }
        return new SourceResult(items);
    }

    /// <summary>
    /// A stream that ends before its end-of-archive marker, or breaks, is a cut: the engine gave up
    /// (container removed, daemon error after the 200) or the connection broke. The record names
    /// the point reached, so a reader knows the archive holds the filesystem up to there and
    /// nothing of what the stream would have brought after it.
    /// </summary>
    private SourceResult Broken(int items, Exception ex, byte[]? lastWritten, bool insideIt)
    {
        string point = lastWritten is null
            ? "before any entry"
            : $"after {items} entries, the last written '{ContainerPath.Show(lastWritten)}'" + (insideIt ? " (cut inside its content: recorded partial)" : "");
        return new(items, $"{Description}: the tar stream broke {point}; the entries the stream would have brought after it were not read", ex,
            ex is IOException io && io.HResult > 0 ? io.HResult : null);
    }
}
