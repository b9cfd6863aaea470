using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// An archive writer for a whole run through <c>CollectionRunner</c>: reads each entry's
/// content out inside AddAsync, as the real writer does (a tar stream's content is only valid
/// there), keeps the entries and error records, and calls a hook after each entry (e.g. to
/// remove the container at a chosen point). Entries come one at a time (the runner serializes them).
/// </summary>
internal sealed class ReadingArchive : IArchiveWriter
{
    public Action<ArchiveEntry>? AfterEntry { get; init; }

    public List<ArchiveEntry> Entries { get; } = [];

    public List<ErrorRecord> Errors { get; } = [];

    /// <summary>The entries of one section of the container's folder ("filesystem/full"), by their path inside the container.</summary>
    public Dictionary<string, ArchiveEntry> InContainer(string section)
    {
        var found = new Dictionary<string, ArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in Entries.Where(e => e.Path.Value.Contains($"/{section}/", StringComparison.Ordinal)))
        {
            found[Encoding.UTF8.GetString(e.Source!.OriginalPath!)] = e;
        }
        return found;
    }

    public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Content is { } content)
        {
            var buffer = new byte[64 * 1024];
            long read = 0;
            long length = content.Length ?? long.MaxValue;
            while (read < length)
            {
                int n = await content.ReadAsync(read, buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - read)), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            await content.CompleteAsync(cancellationToken);
            await content.DisposeAsync();
        }
        Entries.Add(entry with { Content = null });
        AfterEntry?.Invoke(entry);
        return new EntryResult(entry.Path, entry.Status, null, 0, entry.Reason);
    }

    public void RecordError(ErrorRecord error)
    {
        lock (Errors)
        {
            Errors.Add(error);
        }
    }

    public ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken) => throw new NotSupportedException("the test reads the entries");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
