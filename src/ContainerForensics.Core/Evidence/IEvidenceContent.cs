namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The bytes of one entry, pulled by the archive writer, which hashes them as it writes.
/// Content is read by offset so the writer can step over unreadable ranges (filling them with
/// zeros, as NIST CFTT asks) and over holes of sparse files.
/// </summary>
public interface IEvidenceContent : IAsyncDisposable
{
    /// <summary>
    /// The logical length the entry will have in the archive, fixed before the first byte is
    /// written (a tar header carries it). Null when unknown (a stream from a daemon): the writer
    /// then spools the content to a temporary file first, so memory stays bounded.
    /// </summary>
    long? Length { get; }

    /// <summary>The data segments of a sparse source, sorted and inside [0, Length); null when dense.</summary>
    IReadOnlyList<DataSegment>? Segments { get; }

    /// <summary>
    /// Reads at a logical offset. Returns 0 at the end of the source (which may come before
    /// <see cref="Length"/> when the source shrank). Throws <see cref="IOException"/> for an
    /// unreadable range; the writer records it, fills it and goes on at the next block.
    /// </summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>
    /// Called once after the last read: whether the source changed while it was read, and
    /// anything else the source noticed. Null when nothing happened.
    /// </summary>
    ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken);
}

/// <summary>What the source itself noticed about a read, beyond the ranges the writer saw fail.</summary>
public sealed record ContentReadNote(EntryStatus Status, string Reason, int? Errno = null);
