namespace ContainerForensics.Core.Evidence;

/// <summary>
/// Hands content to the archive writer without giving it away: the writer's dispose is ignored,
/// so the same descriptor can be read again afterwards (to parse exactly what was hashed); the
/// owner disposes the real content.
/// </summary>
public sealed class BorrowedContent(IEvidenceContent inner) : IEvidenceContent
{
    public long? Length => inner.Length;

    public IReadOnlyList<DataSegment>? Segments => inner.Segments;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReadAsync(offset, buffer, cancellationToken);

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => inner.CompleteAsync(cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
