using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Manifest;

namespace ContainerForensics.Evidence;

/// <summary>The writer's content of unknown length: spooled to learn its size, and in memory stored in parts.</summary>
public sealed partial class EvidenceArchiveWriter
{
    /// <summary>
    /// Content of unknown length (a daemon's stream) is counted into the stream spool first: the
    /// tar header needs the size. A spool in memory holds at most <see cref="InMemoryStreamPart"/>;
    /// a longer stream is written as consecutive members <c>NAME</c>, <c>NAME.part-2</c>, … each
    /// hashed and listed on its own, the last with the hash of the whole.
    /// </summary>
    private async ValueTask<EntryResult> AddStreamAsync(ArchiveEntry entry, ArchivePath path, UnixTime collectedAt, IEvidenceContent content, CancellationToken cancellationToken)
    {
        long limit = _spools.InMemory ? InMemoryStreamPart : long.MaxValue;
        // The hash of the whole is needed only for a stream stored in parts: started when the first
        // part fills (from the spool, which still holds it), so a stream that fits is hashed once.
        IncrementalHash? whole = null;
        long wholeSize = 0;
        try
        {
            var partPath = path;
            for (int number = 1; ; number++)
            {
                var (note, read, ended) = await SpoolAsync(content, limit, whole, cancellationToken).ConfigureAwait(false);
                wholeSize += read;
                if (!ended && whole is null)
                {
                    whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    for (long at = 0, n; (n = _streamSpool.ReadAt(at, _buffer)) > 0; at += n)
                    {
                        whole.AppendData(_buffer, 0, (int)n);
                    }
                }
                StreamPart? part = null;
                ArchivePath? next = null;
                if (!ended)
                {
                    next = UniquePath(ArchivePath.Parse($"{path.Value}.part-{number + 1}"));
                    part = new StreamPart(number, path.Value, next.Value, null, null);
                }
                else if (number > 1)
                {
                    part = new StreamPart(number, path.Value, null, Convert.ToHexStringLower(whole!.GetHashAndReset()), wholeSize);
                }
                var result = await WriteContentAsync(entry, partPath, collectedAt, _streamSpool.AsContent(), note, read, part, cancellationToken).ConfigureAwait(false);
                if (next is not { } following)
                {
                    return number == 1 ? result : result with { Path = path };
                }
                partPath = following;
            }
        }
        finally
        {
            whole?.Dispose();
        }
    }

    /// <summary>
    /// Spools the stream's next bytes, at most <paramref name="limit"/>. Ended is false when the
    /// limit was reached first: the rest of the stream is still to be read.
    /// </summary>
    private async ValueTask<(ContentReadNote? Note, long Read, bool Ended)> SpoolAsync(IEvidenceContent content, long limit,
        IncrementalHash? whole, CancellationToken cancellationToken)
    {
        _streamSpool.Reset();
        long pos = 0;
        long start = _streamOffset;
        ContentReadNote? failure = null;
        while (true)
        {
            if (pos == limit)
            {
                _streamSpool.Flush();
                _streamOffset = start + pos;
                return (null, pos, false);
            }
            int got;
            try
            {
                got = await content.ReadAsync(start + pos, _buffer.AsMemory(0, (int)Math.Min(_buffer.Length, limit - pos)), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // nothing of this entry is in the archive yet: the caller records the interruption
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A stream cannot step over a bad range: keep what arrived, say where it stopped.
                failure = new ContentReadNote(EntryStatus.Partial, $"stream failed after {pos} bytes: {ex.Message}");
                break;
            }
            if (got == 0)
            {
                break;
            }
            _streamSpool.Stream.Write(_buffer, 0, got);
            whole?.AppendData(_buffer, 0, got);
            pos += got;
        }
        var note = failure ?? await CompleteQuietlyAsync(content).ConfigureAwait(false);
        _streamSpool.Flush();
        _streamOffset = 0;
        return (note, pos, true);
    }
}
