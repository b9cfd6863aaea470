using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Containerd.Tests;

/// <summary>An evidence sink that keeps what it gets, content read out to bytes.</summary>
internal sealed class RecordingSink : IEvidenceSink
{
    public List<(EvidenceItem Item, byte[]? Bytes)> Items { get; } = [];

    public List<string> Errors { get; } = [];

    /// <summary>Awaited after each item is kept (e.g. to remove the container at a chosen point of a walk).</summary>
    public Func<EvidenceItem, Task>? AfterItem { get; init; }

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        byte[]? bytes = null;
        if (item.Content is { } content)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[8192];
            long offset = 0;
            int n;
            while ((n = await content.ReadAsync(offset, chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, n);
                offset += n;
            }
            await content.DisposeAsync();
            bytes = buffer.ToArray();
        }
        Items.Add((item, bytes));
        if (AfterItem is not null)
        {
            await AfterItem(item);
        }
        return new EntryResult(ArchivePath.Of("x"), item.Status, null, bytes?.Length ?? 0, item.Reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null) =>
        Errors.Add(exception is null ? message : $"{message}: {exception.Message}");

    public (EvidenceItem Item, byte[]? Bytes) Get(string name) => Items.Single(i => i.Item.Name == name);

    public bool Has(string name) => Items.Any(i => i.Item.Name == name);
}
