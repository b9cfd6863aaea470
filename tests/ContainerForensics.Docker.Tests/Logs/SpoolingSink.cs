using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>
/// A sink that consumes content the way the archive writer does: every byte read in order until
/// the end, an <see cref="IOException"/> kept as the reason the entry is partial, the source's
/// closing note (<see cref="IEvidenceContent.CompleteAsync"/>) folded into the status, the
/// content disposed. The bytes go to a temporary file and are hashed on the way, so a log of
/// any size costs a buffer, not memory. (Fakes/RecordingSink keeps bytes in memory and never
/// asks for the closing note, which is where a stream's partial status comes from.)
/// </summary>
internal sealed class SpoolingSink : IEvidenceSink, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("cfir-log-test-");

    public List<Captured> Items { get; } = [];

    public List<(string Message, Exception? Exception, int? Errno, string? Path)> Errors { get; } = [];

    public Captured this[string name] => Items.Single(i => i.Item.Name == name);

    public IEnumerable<string?> Names => Items.Select(i => i.Item.Name);

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        string file = Path.Combine(_directory.FullName, Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var status = item.Status;
        var reasons = new List<string>();
        if (item.Reason is not null)
        {
            reasons.Add(item.Reason);
        }
        IOException? failure = null;
        long length = 0;
        string? sha256 = null;
        if (item.Content is { } content)
        {
            await using (content)
            await using (var output = File.Create(file))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                byte[] buffer = new byte[64 * 1024];
                while (true)
                {
                    int n;
                    try
                    {
                        n = await content.ReadAsync(length, buffer, cancellationToken);
                    }
                    catch (IOException ex)
                    {
                        failure = ex;
                        status = EntryStatus.Partial;
                        reasons.Add($"stream failed after {length} bytes: {ex.Message}");
                        break;
                    }
                    if (n == 0)
                    {
                        break;
                    }
                    output.Write(buffer, 0, n);
                    hash.AppendData(buffer, 0, n);
                    length += n;
                }
                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (failure is null && await content.CompleteAsync(cancellationToken) is { } note)
                {
                    status = note.Status > status ? note.Status : status;
                    reasons.Add(note.Reason);
                }
            }
        }
        string? reason = reasons.Count == 0 ? null : string.Join("; ", reasons);
        Items.Add(new Captured(item, item.Content is null ? null : file, length, sha256, status, reason, failure, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
        return new EntryResult(ArchivePath.Of("test", item.Name ?? "raw"), status, sha256, length, reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null) =>
        Errors.Add((message, exception, errno, path));

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>One item as the writer would have stored it.</summary>
    internal sealed record Captured(EvidenceItem Item, string? File, long Length, string? Sha256, EntryStatus Status, string? Reason, IOException? Failure, TimeSpan Elapsed)
    {
        public Stream OpenRead() => System.IO.File.OpenRead(File ?? throw new InvalidOperationException($"{Item.Name} has no content"));

        /// <summary>For small contents only.</summary>
        public string Text => Encoding.UTF8.GetString(System.IO.File.ReadAllBytes(File ?? throw new InvalidOperationException($"{Item.Name} has no content")));

        /// <summary>The lines, read one at a time from the spooled file.</summary>
        public IEnumerable<string> Lines()
        {
            using var reader = new StreamReader(OpenRead(), Encoding.UTF8);
            while (reader.ReadLine() is { } line)
            {
                yield return line;
            }
        }
    }
}
