using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.TestSupport;

/// <summary>
/// Reads an entry's content the way the archive writer does (EvidenceArchiveWriter.WriteContentAsync
/// and AddStreamAsync), so the fakes of the sink and the writer exercise a source as the real
/// archive would: by offset from 0 to its Length (an unreadable 4 KiB block zero-filled, a source
/// that ends early or fails making the rest zeros), or to its end when the length is unknown (a
/// failure keeping what arrived); then the source's closing check (<see cref="IEvidenceContent.CompleteAsync"/>),
/// then disposal. The status is the collector's made worse by what the read saw, by the writer's ranking.
/// </summary>
public static class ContentConsumer
{
    private const int FillBlock = 4096;

    /// <summary>
    /// What the writer makes of an entry's content, or of an entry without one (the collector's
    /// verdict stands). With <paramref name="failure"/> (an output that broke) the content is
    /// disposed unread and the failure thrown.
    /// </summary>
    public static async ValueTask<Consumed> TakeAsync(IEvidenceContent? content, EntryStatus status, string? reason, int keepBytes, Exception? failure, CancellationToken cancellationToken)
    {
        if (failure is not null)
        {
            if (content is not null)
            {
                await content.DisposeAsync();
            }
            throw failure;
        }
        return content is null
            ? new Consumed(null, null, 0, null, status, reason)
            : await ConsumeAsync(content, status, reason, keepBytes, cancellationToken);
    }

    /// <param name="keepBytes">How many of the first bytes to keep (the rest is only hashed).</param>
    public static async ValueTask<Consumed> ConsumeAsync(IEvidenceContent content, EntryStatus status, string? reason, int keepBytes, CancellationToken cancellationToken)
    {
        await using (content)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var kept = new MemoryStream();
            var buffer = new byte[64 * 1024];
            long bytesRead = 0;
            var reasons = new List<string>();
            if (reason is not null)
            {
                reasons.Add(reason);
            }
            ContentReadNote? note;

            void Append(ReadOnlySpan<byte> bytes)
            {
                hash.AppendData(bytes);
                int room = (int)Math.Min(bytes.Length, Math.Max(0, keepBytes - kept.Length));
                kept.Write(bytes[..room]);
            }

            if (content.Length is { } length)
            {
                string? stopped = null;
                int unreadable = 0;
                long logical = 0;
                foreach (var seg in content.Segments ?? [new DataSegment(0, length)])
                {
                    Zeros(seg.Offset - logical);
                    long pos = seg.Offset;
                    while (pos < seg.End)
                    {
                        if (stopped is not null)
                        {
                            Zeros(seg.End - pos);
                            break;
                        }
                        int want = (int)Math.Min(buffer.Length, seg.End - pos);
                        int got;
                        try
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            got = await content.ReadAsync(pos, buffer.AsMemory(0, want), cancellationToken);
                        }
                        catch (IOException)
                        {
                            long blockEnd = Math.Min(seg.End, (pos / FillBlock + 1) * FillBlock);
                            unreadable++;
                            Zeros(blockEnd - pos);
                            pos = blockEnd;
                            continue;
                        }
                        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
                        {
                            stopped = $"source failed at byte {pos} of {length} ({ex.Message}); the rest is zero-filled";
                            continue;
                        }
                        if (got == 0)
                        {
                            stopped = $"source ended at byte {pos} of {length} (it shrank while read); the rest is zero-filled";
                            continue;
                        }
                        Append(buffer.AsSpan(0, got));
                        bytesRead += got;
                        pos += got;
                    }
                    logical = seg.End;
                }
                Zeros(length - logical);
                note = await CompleteQuietlyAsync(content);
                if (stopped is not null)
                {
                    status = EntryStatusOrder.Worse(status, EntryStatus.Partial);
                    reasons.Add(stopped);
                }
                else if (unreadable > 0)
                {
                    status = EntryStatusOrder.Worse(status, EntryStatus.Partial);
                    reasons.Add($"{unreadable} unreadable range(s) zero-filled");
                }
            }
            else
            {
                ContentReadNote? failure = null;
                while (true)
                {
                    int got;
                    try
                    {
                        got = await content.ReadAsync(bytesRead, buffer, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
                    {
                        failure = new ContentReadNote(EntryStatus.Partial, $"stream failed after {bytesRead} bytes: {ex.Message}");
                        break;
                    }
                    if (got == 0)
                    {
                        break;
                    }
                    Append(buffer.AsSpan(0, got));
                    bytesRead += got;
                }
                // As the writer: a stream that failed is not asked for its closing note.
                note = failure ?? await CompleteQuietlyAsync(content);
            }
            if (note is not null)
            {
                status = EntryStatusOrder.Worse(status, note.Status);
                reasons.Add(note.Reason);
            }
            return new Consumed(kept.ToArray(), Convert.ToHexStringLower(hash.GetHashAndReset()), bytesRead, note, status,
                reasons.Count == 0 ? null : string.Join("; ", reasons));

            void Zeros(long count)
            {
                Span<byte> zeros = stackalloc byte[FillBlock];
                zeros.Clear();
                while (count > 0)
                {
                    int n = (int)Math.Min(count, zeros.Length);
                    Append(zeros[..n]);
                    count -= n;
                }
            }
        }
    }

    private static async ValueTask<ContentReadNote?> CompleteQuietlyAsync(IEvidenceContent content)
    {
        try
        {
            return await content.CompleteAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new ContentReadNote(EntryStatus.Partial, $"the source's closing check failed: {ex.Message}");
        }
    }

    /// <summary>What was read: the first bytes kept, the sha256 of the whole logical content (both null without content), and the verdict.</summary>
    public sealed record Consumed(byte[]? Kept, string? Sha256, long BytesRead, ContentReadNote? Note, EntryStatus Status, string? Reason);
}
