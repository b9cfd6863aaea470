using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Interop;

/// <summary>
/// The bytes of a regular file held open by a descriptor this project opened itself (a process's
/// executable through /proc/&lt;pid&gt;/exe, a file inside a container's root): pread(2) by offset,
/// the length fixed at open, and a change check at the end, as Core's HostFileContent does for
/// host paths. Owns the descriptor; the archive writer disposes it.
/// </summary>
internal sealed class DescriptorContent : IEvidenceContent
{
    private readonly FileDescriptor _fd;
    private readonly FileStat _atOpen;
    private readonly long _length;

    /// <param name="maxLength">--max-file-size: the content is cut there and reported as truncated.</param>
    public DescriptorContent(FileDescriptor fd, FileStat atOpen, long? maxLength)
    {
        _fd = fd;
        _atOpen = atOpen;
        _length = maxLength is long max && atOpen.Size > max ? max : atOpen.Size;
    }

    public long? Length => _length;

    public IReadOnlyList<DataSegment>? Segments => null;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _length || buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }
        int count = (int)Math.Min(buffer.Length, _length - offset);
        using var lease = _fd.Borrow();
        long n = Native.Pread(lease.Fd, buffer.Span[..count], offset);
        return n < 0
            ? ValueTask.FromException<int>(UnixError.ToIOException((int)-n, $"read of {count} bytes at offset {offset} failed"))
            : ValueTask.FromResult((int)n);
    }

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ContentReadNote?>(cancellationToken);
        }
        string? truncated = _length < _atOpen.Size ? $"truncated at {_length} of {_atOpen.Size} bytes (--max-file-size)" : null;
        var now = FileStat.Of(_fd, out int errno);
        if (now is null)
        {
            string why = "could not check the file for changes after reading: " + UnixError.Describe(errno);
            return ValueTask.FromResult<ContentReadNote?>(new ContentReadNote(EntryStatus.Partial, truncated is null ? why : why + "; " + truncated, errno));
        }
        var changes = new List<string>();
        if (now.Size != _atOpen.Size)
        {
            changes.Add($"size {_atOpen.Size}→{now.Size}");
        }
        if (now.ModifiedTime != _atOpen.ModifiedTime)
        {
            changes.Add($"mtime {_atOpen.ModifiedTime}→{now.ModifiedTime}");
        }
        if (now.ChangeTime != _atOpen.ChangeTime && !(now.LinkCount == 0 && _atOpen.LinkCount != 0))
        {
            changes.Add($"ctime {_atOpen.ChangeTime}→{now.ChangeTime}");
        }
        if (changes.Count > 0)
        {
            string reason = "changed while read: " + string.Join(", ", changes);
            return ValueTask.FromResult<ContentReadNote?>(new ContentReadNote(EntryStatus.Partial, truncated is null ? reason : reason + "; " + truncated));
        }
        return ValueTask.FromResult(truncated is null ? null : new ContentReadNote(EntryStatus.Truncated, truncated));
    }

    public ValueTask DisposeAsync()
    {
        _fd.Dispose();
        return ValueTask.CompletedTask;
    }
}
