using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// The content of the tar entry a <see cref="PaxTarReader"/> stands on, streamed: nothing is
/// buffered beyond the reader's own block buffer. Valid only until the reader moves on, so the
/// sink must consume it inside <c>AddAsync</c> (the archive writer does). Read in order; a
/// forward jump (the writer stepping over a hole of a sparse entry) reads and drops the bytes
/// in between, which for a hole are zeros the reader makes up.
/// <para>
/// A stream that breaks (the container removed mid-export, the daemon gone silent) is not an
/// <see cref="IOException"/> to the writer, which would zero-fill a block and read on from a
/// stream that has nothing more: the content ends there, <see cref="CompleteAsync"/> says why,
/// and <see cref="Failure"/> tells the collector to stop.
/// </para>
/// </summary>
internal sealed class TarEntryContent : IEvidenceContent
{
    private readonly PaxTarReader _reader;
    private readonly long _length;
    private readonly long _size;
    private readonly string _what;
    private long _position;
    private ContentReadNote? _failureNote;

    /// <param name="reader">Standing on the entry.</param>
    /// <param name="header">The entry's header: its logical size and sparse map.</param>
    /// <param name="maxLength">--max-file-size with the truncate policy: read this much, leave the rest to the reader's skip.</param>
    /// <param name="what">Names the stream in reasons, e.g. "GET /v1.41/containers/ID/export".</param>
    public TarEntryContent(PaxTarReader reader, TarHeader header, long? maxLength, string what)
    {
        _reader = reader;
        _size = header.Size;
        _length = maxLength is long max && max < header.Size ? max : header.Size;
        _what = what;
        Segments = Clip(header.Sparse, _length);
    }

    public long? Length => _length;

    public IReadOnlyList<DataSegment>? Segments { get; }

    /// <summary>Bytes handed out (or stepped over) so far.</summary>
    public long Position => _position;

    /// <summary>Set when the tar stream broke while this entry was read: the collector stops there.</summary>
    public Exception? Failure { get; private set; }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        if (offset < _position)
        {
            throw new InvalidOperationException($"A tar entry is read in order: asked for offset {offset}, at {_position}.");
        }
        if (Failure is not null || buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }
        try
        {
            if (offset > _position && !Skip(offset))
            {
                return ValueTask.FromResult(0);
            }
            if (_position >= _length)
            {
                return ValueTask.FromResult(0);
            }
            int want = (int)Math.Min(buffer.Length, _length - _position);
            int n = _reader.ReadLogical(buffer.Span[..want]);
            _position += n;
            return ValueTask.FromResult(n);
        }
        catch (Exception ex) when (ex is TarFormatException or IOException)
        {
            Fail(ex);
            return ValueTask.FromResult(0);
        }
    }

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_failureNote is not null)
        {
            return ValueTask.FromResult<ContentReadNote?>(_failureNote);
        }
        if (_length < _size)
        {
            return ValueTask.FromResult<ContentReadNote?>(new ContentReadNote(EntryStatus.Truncated, $"truncated at {_length} of {_size} bytes (--max-file-size)"));
        }
        return ValueTask.FromResult<ContentReadNote?>(null);
    }

    /// <summary>The reader, not this content, owns the stream.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool Skip(long offset)
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (_position < offset && _position < _length)
        {
            int n = _reader.ReadLogical(scratch[..(int)Math.Min(scratch.Length, Math.Min(offset, _length) - _position)]);
            if (n == 0)
            {
                return false;
            }
            _position += n;
        }
        return _position == offset;
    }

    private void Fail(Exception ex)
    {
        Failure = ex;
        _failureNote = new ContentReadNote(EntryStatus.Partial, $"{_what}: the tar stream broke after {_position} of {_length} bytes of this file: {ex.Message}");
    }

    private static DataSegment[]? Clip(IReadOnlyList<DataSegment>? segments, long length)
    {
        if (segments is null)
        {
            return null;
        }
        return segments.Where(s => s.Offset < length)
            .Select(s => new DataSegment(s.Offset, Math.Min(s.Length, length - s.Offset)))
            .Where(s => s.Length > 0)
            .ToArray();
    }
}
