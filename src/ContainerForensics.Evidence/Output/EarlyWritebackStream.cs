using System.Runtime.InteropServices;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// The archive file, whose written bytes are handed to the disk as they accumulate: every
/// <see cref="WritebackBytes"/> written, <c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c> starts
/// the write-out of that stretch and returns. The commit's fsync then waits for the last
/// stretch only, instead of writing the whole archive after the seal (0.5 s for a 500 MB
/// archive on the benchmark machine, with both cores idle). Durability is unchanged: the
/// commit still fsyncs, and a write-out that failed is reported by that fsync (the kernel
/// keeps a writeback error for the next fsync of the file), so this call's own result is
/// only advice and is not checked. Nothing is waited for here.
/// </summary>
internal sealed partial class EarlyWritebackStream(FileStream file) : WriteOnlyStream
{
    /// <summary>8 MiB: a few hundred calls for a GiB, and little dirty data left for the fsync.</summary>
    public const long WritebackBytes = 8 << 20;

    private const uint SyncFileRangeWrite = 2;

    private long _written;
    private long _handedOver;

    /// <summary>The file under it, for the commit's fsync.</summary>
    public FileStream File => file;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        Advance(buffer.Length);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Advance(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    private void Advance(int count)
    {
        _written += count;
        if (_written - _handedOver >= WritebackBytes)
        {
            _ = SyncFileRange(file.SafeFileHandle, _handedOver, _written - _handedOver, SyncFileRangeWrite);
            _handedOver = _written;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await file.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long offset, long count, uint flags);
}
