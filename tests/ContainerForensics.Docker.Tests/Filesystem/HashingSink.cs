using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// A sink that treats content as the archive writer does: reads it whole, in order, inside
/// AddAsync (from offset 0 to its Length, or to its end when the length is unknown), asks
/// CompleteAsync for the source's note, disposes it, and keeps the sha256 of what it read. The
/// content of a tar stream is only valid inside AddAsync, so nothing is kept for later reading.
/// </summary>
internal sealed class HashingSink : IEvidenceSink
{
    /// <summary>Called after an item is recorded, with its 1-based number (e.g. to remove the container on the Nth).</summary>
    public Action<int>? AfterItem { get; init; }

    public List<Recorded> Items { get; } = [];

    public List<(string Message, Exception? Exception, int? Errno)> Errors { get; } = [];

    public IEnumerable<Recorded> In(EvidenceSection section) => Items.Where(i => i.Item.Section == section);

    /// <summary>The one item of <paramref name="section"/> for a path inside the container.</summary>
    public Recorded Single(EvidenceSection section, string path) =>
        Assert.Single(In(section), i => i.Path == path);

    public Recorded? Find(EvidenceSection section, string path) => In(section).SingleOrDefault(i => i.Path == path);

    public Recorded Named(string name) => Assert.Single(Items, i => i.Item.Name == name);

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        string? sha = null;
        long read = 0;
        ContentReadNote? note = null;
        byte[]? small = null;
        if (item.Content is { } content)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var keep = new MemoryStream();
            var buffer = new byte[64 * 1024];
            long length = content.Length ?? long.MaxValue;
            while (read < length)
            {
                int n = await content.ReadAsync(read, buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - read)), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                hash.AppendData(buffer, 0, n);
                if (keep.Length < 64 * 1024)
                {
                    keep.Write(buffer, 0, n);
                }
                read += n;
            }
            note = await content.CompleteAsync(cancellationToken);
            await content.DisposeAsync();
            sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            small = keep.ToArray();
        }
        var recorded = new Recorded(item, sha, read, note, small);
        Items.Add(recorded);
        AfterItem?.Invoke(Items.Count);
        return new EntryResult(ArchivePath.Of("test", "x"), note?.Status ?? item.Status, sha, read, note?.Reason ?? item.Reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null) =>
        Errors.Add((exception is null ? message : $"{message}: {exception.Message}", exception, errno));

    public sealed record Recorded(EvidenceItem Item, string? Sha256, long BytesRead, ContentReadNote? Note, byte[]? Head)
    {
        /// <summary>The path inside the container (or "/volume/..."), as text; null for named evidence.</summary>
        public string? Path => Item.RawPath is { } raw ? Encoding.UTF8.GetString(raw) : null;

        public EntryKind Kind => Item.Metadata.Kind;

        /// <summary>The status the archive would record: the collector's, made worse by the source's note.</summary>
        public EntryStatus Status => Note?.Status ?? Item.Status;

        public string? LinkTarget => Item.Metadata.LinkTarget is { } t ? Encoding.UTF8.GetString(t) : null;

        public string Text => Encoding.UTF8.GetString(Head ?? []);
    }
}
