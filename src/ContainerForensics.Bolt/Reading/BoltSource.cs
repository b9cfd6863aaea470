using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Bolt.Reading;

/// <summary>The bytes of a database file: the seam between the reader and the filesystem.</summary>
internal abstract class BoltSource
{
    /// <summary>The length when the database was opened; nothing past it is read.</summary>
    public abstract long Length { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; fewer bytes only at the end of the file. I/O errors pass out as <see cref="IOException"/>.</summary>
    public abstract int Read(Span<byte> buffer, long offset);
}

/// <summary>
/// A file handle the caller opened read-only, read with positional reads (no shared file offset). The handle must
/// be seekable (<see cref="RandomAccess"/> refuses pipes with <see cref="NotSupportedException"/>).
/// </summary>
internal sealed class FileBoltSource : BoltSource
{
    private readonly SafeFileHandle _file;

    public FileBoltSource(SafeFileHandle file)
    {
        _file = file;
        Length = RandomAccess.GetLength(file);
    }

    public override long Length { get; }

    public override int Read(Span<byte> buffer, long offset)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = RandomAccess.Read(_file, buffer[total..], offset + total);
                if (n <= 0)
                {
                    break;
                }
                total += n;
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            // A handle opened without read access: an I/O failure like any other, for the caller's records.
            throw new IOException(ex.Message, ex);
        }
        return total;
    }
}
