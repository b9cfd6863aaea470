using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Tests.Network;

/// <summary>A sink that reads every item's content to the end, as the archive writer does, and keeps items, bytes and errors.</summary>
internal sealed class NetworkSink : IEvidenceSink
{
    public List<(EvidenceItem Item, byte[]? Bytes)> Items { get; } = [];

    public List<string> Errors { get; } = [];

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        byte[]? bytes = null;
        var status = item.Status;
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
            if (await content.CompleteAsync(cancellationToken) is { } note)
            {
                status = note.Status;
            }
            await content.DisposeAsync();
            bytes = buffer.ToArray();
        }
        Items.Add((item, bytes));
        return new EntryResult(ArchivePath.Of("x"), status, null, bytes?.Length ?? 0, item.Reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null) =>
        Errors.Add(exception is null ? message : $"{message}: {exception.Message}");

    public (EvidenceItem Item, byte[]? Bytes) Get(string name) => Items.Single(i => i.Item.Name == name);

    public bool Has(string name) => Items.Any(i => i.Item.Name == name);

    public string Text(string name) => Encoding.UTF8.GetString(Get(name).Bytes ?? throw new InvalidOperationException($"{name} has no content"));

    public JsonElement Json(string name) => JsonDocument.Parse(Get(name).Bytes ?? throw new InvalidOperationException($"{name} has no content")).RootElement;
}
