using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Tests.Fakes;

/// <summary>A test double of the sink interface: keeps every item with its content read out, and every error.</summary>
internal sealed class RecordingSink : IEvidenceSink
{
    public List<(EvidenceItem Item, byte[] Content)> Items { get; } = [];

    public List<(string Message, Exception? Exception)> Errors { get; } = [];

    /// <summary>What each item's content said when it was read out (a stream cut short), by item name.</summary>
    public Dictionary<string, ContentReadNote> Notes { get; } = [];

    public byte[] this[string name] => Items.Single(i => i.Item.Name == name).Content;

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        using var ms = new MemoryStream();
        if (item.Content is { } content)
        {
            var buffer = new byte[8192];
            long offset = 0;
            int n;
            while ((n = await content.ReadAsync(offset, buffer, cancellationToken)) > 0)
            {
                ms.Write(buffer, 0, n);
                offset += n;
            }
            if (await content.CompleteAsync(cancellationToken) is { } note)
            {
                Notes[item.Name ?? "raw"] = note;
            }
            await content.DisposeAsync();
        }
        Items.Add((item, ms.ToArray()));
        return new EntryResult(ArchivePath.Of("test", item.Name ?? "raw"), item.Status, null, ms.Length, item.Reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null) =>
        Errors.Add((message, exception));
}
