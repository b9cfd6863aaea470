using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// Accounts for the rest of a walk that had to stop because its root went away (an overlay
/// unmounted and its layer deleted when the container was removed): the archive is append-only,
/// and the directories above the stopping point are already in it as <c>collected</c>, so what
/// they listed but were never walked is recorded afterwards:
/// <list type="bullet">
/// <item>the entry the walk stopped at: a directory is <c>partial</c> (its listing came after the
/// root went away and may be short: overlayfs lists a deleted upper directory as empty, without an
/// error), anything else <c>missing</c>; the reason begins "the walk stopped here";</item>
/// <item>every name listed but not walked: <c>missing</c>, with its kind and metadata as lstat
/// sees it now (a directory among them: what it holds was never listed);</item>
/// <item>every directory already written whose walk was cut: an error record naming it and how
/// many of its names were not walked.</item>
/// </list>
/// Every name of the tree is then either an entry or below a directory recorded as not walked.
/// </summary>
internal sealed class StoppedWalk(HostTreeCollector collector, EvidenceSource source)
{
    /// <summary>
    /// A removal file by file (rm -rf empties each directory before it removes it, and the root
    /// last) runs beside the walk: a directory listed before the root was seen gone may already
    /// have lost names to it, and nothing in the walk can tell those from names the container
    /// deleted itself.
    /// </summary>
    internal const string ListedWhileRemoved = "a directory listed while it was being removed may have listed fewer names than it held";

    /// <param name="unwalked">What the walk had listed and not walked when it stopped (<see cref="SafeTreeWalker.Unwalked"/>, taken there).</param>
    public async Task<SourceResult> RecordAsync(IReadOnlyList<UnwalkedDirectory> unwalked, WalkEntry at, IEvidenceSink sink, int items, byte[]? lastWritten, CancellationToken cancellationToken)
    {
        byte[] atPath = ContainerPath.Join(collector.RootRawPath, at.RelativePath);
        string stoppedAt = ContainerPath.Show(atPath);
        string why = $"{collector.Description} went away (unmounted or removed: its container was removed or stopped)";
        bool atIsOpen = unwalked.Count > 0 && unwalked[^1].RelativePath.AsSpan().SequenceEqual(at.RelativePath);

        if (!at.IsRoot || collector.IncludeRoot)
        {
            var item = at.Stat is { Kind: EntryKind.Directory } listed
                ? EvidenceItem.NotCollected(collector.Section, atPath, EntryStatus.Partial,
                    $"the walk stopped here: {why}; this directory was listed after that, so its listing may be incomplete, and what it holds was not collected",
                    SourceFor(at.RelativePath), listed.ToMetadata(), UnixError.ENOENT)
                : EvidenceItem.NotCollected(collector.Section, atPath, EntryStatus.Missing,
                    $"the walk stopped here: {why}; not read{(at.Stat is null ? $" (lstat failed: {UnixError.Describe(at.Errno ?? UnixError.ENOENT)}; its kind is unknown)" : "")}", SourceFor(at.RelativePath), at.Stat?.ToMetadata(), at.Errno ?? UnixError.ENOENT);
            await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
        }

        int notWalked = 0;
        foreach (var directory in unwalked)
        {
            foreach (var name in directory.Names)
            {
                await sink.AddAsync(NotWalked(name, stoppedAt, why), cancellationToken).ConfigureAwait(false);
            }
            notWalked += directory.Names.Count;
            bool recordedAbove = atIsOpen && ReferenceEquals(directory, unwalked[^1]) && (!at.IsRoot || collector.IncludeRoot);
            if (directory.Names.Count > 0 && !recordedAbove)
            {
                string shown = ContainerPath.Show(ContainerPath.Join(collector.RootRawPath, directory.RelativePath));
                sink.RecordError(
                    $"{collector.Description}: the walk of '{shown}' stopped at '{stoppedAt}' ({why}): {directory.Names.Count} names it listed were not walked and are recorded as missing; its entry, written before, does not cover them",
                    null, UnixError.ENOENT, shown);
            }
        }
        string last = lastWritten is null ? "none" : $"'{ContainerPath.Show(lastWritten)}'";
        return new SourceResult(
            items,
            $"{collector.Description}: the directory vanished after {items} entries (removed with its container?): the walk stopped at '{stoppedAt}', the last entry written was {last}; {notWalked} names listed but not walked are recorded as missing; {ListedWhileRemoved}",
            null,
            UnixError.ENOENT);
    }

    private EvidenceItem NotWalked(UnwalkedName name, string stoppedAt, string why)
    {
        string reason = $"not walked: the walk stopped at '{stoppedAt}' ({why})";
        if (name.Stat is null)
        {
            reason += $"; lstat now fails ({UnixError.Describe(name.Errno ?? UnixError.ENOENT)}): its kind is unknown";
        }
        else if (name.Stat.Kind == EntryKind.Directory)
        {
            reason += "; a directory: what it holds was never listed";
        }
        return EvidenceItem.NotCollected(collector.Section, ContainerPath.Join(collector.RootRawPath, name.RelativePath), EntryStatus.Missing,
            reason, SourceFor(name.RelativePath), name.Stat?.ToMetadata(), name.Errno ?? UnixError.ENOENT);
    }

    private EvidenceSource SourceFor(byte[] relativePath) =>
        collector.MountedAt is null ? source : source with { OriginalPath = ContainerPath.Join(collector.MountedAt, relativePath) };
}
