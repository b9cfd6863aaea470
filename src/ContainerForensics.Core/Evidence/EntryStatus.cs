namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The outcome of one piece of evidence; every one lands in the manifest. A collection is
/// partial when evidence that existed could not be captured whole: <see cref="Failed"/>,
/// <see cref="Missing"/> or <see cref="Partial"/> (the writer's seal and verify share this rule).
/// <see cref="Skipped"/> and <see cref="Absent"/> are recorded and leave it complete.
/// </summary>
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
    /// <summary>Existed, then was gone before it could be read (vanished container or process, file deleted mid-run).</summary>
    Missing,
    /// <summary>
    /// Looked for and not there, with nothing to say it ever was: a container without /etc/hosts.
    /// Recorded so a reader knows it was looked for; not a failure.
    /// </summary>
    Absent,
}
