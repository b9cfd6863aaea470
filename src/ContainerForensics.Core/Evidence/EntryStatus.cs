namespace ContainerForensics.Core.Evidence;

/// <summary>The outcome of one piece of evidence; every one lands in the manifest.</summary>
public enum EntryStatus
{
    /// <summary>Read whole and unchanged.</summary>
    Collected,
    /// <summary>Some of it was read: unreadable ranges were filled with zeros, or it changed while read.</summary>
    Partial,
    /// <summary>Cut at a size limit (<c>--max-file-size</c>); the rest was not read.</summary>
    Truncated,
    /// <summary>Deliberately not collected (policy, size limit); the reason says why.</summary>
    Skipped,
    /// <summary>Could not be collected at all; the reason and errno say why.</summary>
    Failed,
    /// <summary>Expected but not there (vanished container, file deleted before it was read).</summary>
    Missing,
}
