namespace ContainerForensics.Core.Evidence;

/// <summary>
/// Private room for content that must wait its turn. The archive writer takes one entry at a
/// time, so when one source feeds two entries (one logs call demultiplexed into stdout and
/// stderr) the second is written here while the first streams through the sink, and added
/// once the first is done (<see cref="AsContent"/>: its length is then known, so the writer
/// does not spool it again).
/// <para>
/// Made by <see cref="IEvidenceSink.CreateSpool"/> where the writer keeps its own spools: an
/// unnamed file beside the output or in <c>--spool-dir</c> (gone however cfir ends), or memory
/// under the run's spool budget with <c>-o -</c>, where a write past the budget throws an
/// <see cref="IOException"/> that says so. The owner disposes it after the entry was added.
/// </para>
/// </summary>
public interface IEvidenceSpool : IDisposable
{
    /// <summary>Appending stream, written synchronously.</summary>
    Stream Stream { get; }

    /// <summary>Bytes appended so far.</summary>
    long Length { get; }

    /// <summary>
    /// The bytes appended so far, as content of known length read by offset. Disposing the
    /// content leaves the spool open; the spool must outlive the entry.
    /// </summary>
    IEvidenceContent AsContent();
}
