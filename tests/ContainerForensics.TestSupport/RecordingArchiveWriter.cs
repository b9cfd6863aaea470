using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A test double of the archive writer for runs through the real CollectionRunner: keeps every
/// entry in order with its placed archive path, reads and hashes its content, keeps every error.
/// Sealing only says what it saw.
/// </summary>
public sealed class RecordingArchiveWriter : IArchiveWriter
{
    public List<(ArchiveEntry Entry, string? Sha256)> Entries { get; } = [];

    public List<ErrorRecord> Errors { get; } = [];

    public IEnumerable<string> Paths => Entries.Select(e => e.Entry.Path.Value);

    public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        string? sha256 = null;
        long read = 0;
        if (entry.Content is { } content)
        {
            await using (content)
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[64 * 1024];
                int n;
                while ((n = await content.ReadAsync(read, buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    read += n;
                }
                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
        }
        Entries.Add((entry, sha256));
        return new EntryResult(entry.Path, entry.Status, sha256, read, entry.Reason);
    }

    public void RecordError(ErrorRecord error) => Errors.Add(error);

    public ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SealResult(Errors.Count == 0, Entries.Count, Errors.Count, "", 0, null, []));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
