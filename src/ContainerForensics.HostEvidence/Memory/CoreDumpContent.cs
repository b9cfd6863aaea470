using System.Globalization;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Memory.Elf;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// The ELF core as evidence content, produced while the archive writer pulls it and never
/// held whole: a file offset maps to the headers and notes (in memory) or to a PT_LOAD, whose
/// bytes are read from the process at the matching virtual address, at most 1 MiB at a time
/// and never across the end of a mapping. A read that fails (a guard page, a mapping that went
/// away) throws <see cref="IOException"/>, and the writer zero-fills that block and records the
/// range (NIST CFTT benign fill). When the process has exited its address space reads empty:
/// the content then ends early, the writer zero-fills the rest as one recorded range, and
/// <see cref="CompleteAsync"/> says the process exited during the dump — rather than one
/// failed read per 4 KiB block of what is left.
/// </summary>
internal sealed class CoreDumpContent : IEvidenceContent
{
    /// <summary>The largest read of process memory at once.</summary>
    public const int MaxChunk = 1 << 20;

    private readonly ElfCoreImage _image;
    private readonly IProcessMemory _memory;
    private long _endedAt = -1;

    public CoreDumpContent(ElfCoreImage image, IProcessMemory memory)
    {
        _image = image;
        _memory = memory;
    }

    public long? Length => _image.Length;

    public IReadOnlyList<DataSegment>? Segments => null;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _image.Length || buffer.IsEmpty || _endedAt >= 0)
        {
            return ValueTask.FromResult(0);
        }
        var prefix = _image.Prefix;
        if (offset < prefix.Length)
        {
            int n = (int)Math.Min(buffer.Length, prefix.Length - offset);
            prefix.AsSpan((int)offset, n).CopyTo(buffer.Span);
            return ValueTask.FromResult(n);
        }
        int index = _image.SegmentAt(offset);
        if (index < 0)
        {
            return ValueTask.FromResult(0);
        }
        var seg = _image.Segments[index];
        long within = offset - seg.FileOffset;
        int count = (int)Math.Min(Math.Min(buffer.Length, MaxChunk), seg.Size - within);
        ulong address = seg.Address + (ulong)within;
        long got = _memory.Read(address, buffer.Span[..count]);
        if (got > 0)
        {
            return ValueTask.FromResult((int)got);
        }
        if (got == 0 || -got == UnixError.ESRCH)
        {
            _endedAt = offset;
            return ValueTask.FromResult(0);
        }
        return ValueTask.FromException<int>(UnixError.ToIOException((int)-got,
            $"reading process memory at 0x{address.ToString("x", CultureInfo.InvariantCulture)} (core offset {offset}) failed"));
    }

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ContentReadNote?>(cancellationToken);
        }
        if (_endedAt < 0)
        {
            return ValueTask.FromResult<ContentReadNote?>(null);
        }
        int index = _image.SegmentAt(_endedAt);
        string where = index < 0
            ? $"core offset {_endedAt}"
            : $"core offset {_endedAt} (address 0x{(_image.Segments[index].Address + (ulong)(_endedAt - _image.Segments[index].FileOffset)).ToString("x", CultureInfo.InvariantCulture)}, PT_LOAD {index + 1} of {_image.Segments.Count})";
        string still = _memory.IsAlive() ? "its address space could no longer be read" : "it is gone";
        return ValueTask.FromResult<ContentReadNote?>(new ContentReadNote(EntryStatus.Partial,
            $"process exited during the dump ({still}): memory from {where} on is zero-filled"));
    }

    public ValueTask DisposeAsync()
    {
        _memory.Dispose();
        return ValueTask.CompletedTask;
    }
}
