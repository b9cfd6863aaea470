using System.Runtime.InteropServices;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// Write-only stream over an inherited file descriptor (standard output) that reports every
/// failed write(2). .NET's console stream drops EPIPE silently (a reader that went away looks
/// like success there), which would let a collection over a dropped SSH connection end
/// "complete" with the hash of bytes that never arrived.
/// </summary>
public sealed partial class DescriptorWriteStream(int fd, string name) : WriteOnlyStream
{
    private const int EIntr = 4;
    private const int EPipe = 32;
    private long _written;

    /// <summary>Standard output, fd 1.</summary>
    public static DescriptorWriteStream StandardOutput() => new(1, "stdout");

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = SysWrite(fd, start + done, buffer.Length - done);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }
                    throw new OutputWriteException(errno == EPipe
                        ? $"{name} was closed by its reader (broken pipe) after {_written} bytes"
                        : $"writing to {name} failed after {_written} bytes: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})", errno);
                }
                done += (int)n;
                _written += n;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint SysWrite(int fd, byte* buffer, nint count);
}

/// <summary>A write to cfir's own output failed: the run cannot deliver what it was asked for (exit 4).</summary>
public sealed class OutputWriteException(string message, int errno) : IOException(message, errno);
