using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Tests.Support;

/// <summary>
/// A test double of the sink: reads every item's content to the end as the archive writer does
/// (sequentially from offset 0), hashes it, disposes it, and keeps item, bytes and sha256; keeps
/// every error too. Its <see cref="EntryResult"/> carries the sha256, as the real writer's does.
/// </summary>
public sealed class RecordingSink : IEvidenceSink
{
    private readonly Lock _lock = new();

    public List<Recorded> Items { get; } = [];

    public List<RecordedError> Errors { get; } = [];

    /// <summary>Called after an item was consumed and recorded: lets a test act in the middle of a collection (kill a process, ...).</summary>
    public Func<Recorded, Task>? AfterAdd { get; set; }

    /// <summary>The one item named <paramref name="name"/>.</summary>
    public Recorded this[string name]
    {
        get
        {
            lock (_lock)
            {
                return Items.Single(i => i.Item.Name == name);
            }
        }
    }

    public Recorded? Find(string name)
    {
        lock (_lock)
        {
            return Items.SingleOrDefault(i => i.Item.Name == name);
        }
    }

    public IReadOnlyList<Recorded> Under(string prefix)
    {
        lock (_lock)
        {
            return Items.Where(i => i.Item.Name?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();
        }
    }

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        byte[] bytes = [];
        string? sha256 = null;
        var status = item.Status;
        string? reason = item.Reason;
        if (item.Content is { } content)
        {
            try
            {
                using var ms = new MemoryStream();
                var buffer = new byte[64 * 1024];
                long offset = 0;
                int n;
                while ((n = await content.ReadAsync(offset, buffer, cancellationToken)) > 0)
                {
                    ms.Write(buffer, 0, n);
                    offset += n;
                }
                if (await content.CompleteAsync(cancellationToken) is { } note)
                {
                    status = note.Status > status ? note.Status : status;
                    reason = reason is null ? note.Reason : reason + "; " + note.Reason;
                }
                bytes = ms.ToArray();
                sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
            catch (IOException ex)
            {
                // The real writer zero-fills and goes on; here the item is simply marked partial.
                status = EntryStatus.Partial;
                reason = ex.Message;
            }
            finally
            {
                await content.DisposeAsync();
            }
        }
        var recorded = new Recorded(item, bytes, sha256, status, reason);
        lock (_lock)
        {
            Items.Add(recorded);
        }
        if (AfterAdd is { } hook)
        {
            await hook(recorded);
        }
        return new EntryResult(ArchivePath.Of("test", item.Name ?? "raw"), status, sha256, bytes.LongLength, reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null)
    {
        lock (_lock)
        {
            Errors.Add(new RecordedError(message, exception, errno, path));
        }
    }

    public sealed record Recorded(EvidenceItem Item, byte[] Content, string? Sha256, EntryStatus Status, string? Reason)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Content);
    }

    public sealed record RecordedError(string Message, Exception? Exception, int? Errno, string? Path);
}
