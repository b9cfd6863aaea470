using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Evidence.Spooling;

/// <summary>
/// A spool in a file that has no name: opened with <c>O_TMPFILE</c> (open(2)), so it never
/// appears in the directory and nothing is left behind however cfir ends, even killed. Where
/// the filesystem has no O_TMPFILE, the file is created 0600 and unlinked at once.
/// </summary>
internal sealed partial class FileSpool : TempSpool
{
    private const int OTmpFile = 0x410000;  // O_TMPFILE = __O_TMPFILE | O_DIRECTORY (x86-64 and arm64)
    private const int ORdWr = 0x2;
    private const int OCloExec = 0x80000;
    private const int EOpNotSupp = 95;
    private const int EIsDir = 21;
    private const int EInval = 22;

    private readonly FileStream _file;

    public FileSpool(string directory, string name)
    {
        _file = OpenUnnamed(directory) is { } handle
            ? new FileStream(handle, FileAccess.ReadWrite, 1 << 16)
            : CreateAndUnlink(directory, name);
    }

    public override Stream Stream => _file;

    public override long Length
    {
        get
        {
            _file.Flush();
            return _file.Length;
        }
    }

    public override void Flush() => _file.Flush();

    public override int ReadAt(long offset, Span<byte> buffer) => RandomAccess.Read(_file.SafeFileHandle, buffer, offset);

    public override void Reset()
    {
        _file.Flush();
        _file.SetLength(0);
        _file.Position = 0;
    }

    public override void Dispose() => _file.Dispose();

    private static SafeFileHandle? OpenUnnamed(string directory)
    {
        int fd = Open(directory, OTmpFile | ORdWr | OCloExec, 0b110_000_000);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno is not (EOpNotSupp or EIsDir or EInval))
        {
            throw new IOException($"cannot open a spool file in {directory}: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
        return null;
    }

    private static FileStream CreateAndUnlink(string directory, string name)
    {
        string path = Path.Combine(directory, $".cfir-spool-{Environment.ProcessId}-{name}-{Guid.NewGuid():N}");
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 1 << 16,
        });
        File.Delete(path);
        return file;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);
}
