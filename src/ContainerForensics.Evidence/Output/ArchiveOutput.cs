using System.Runtime.InteropServices;
using ContainerForensics.Core;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// Where the archive's bytes go: a new file (created exclusively with mode 0600 under a
/// temporary name, renamed to its final name only once sealed, never over an existing file),
/// or standard output for <c>-o -</c>.
/// </summary>
public sealed partial class ArchiveOutput : IAsyncDisposable
{
    private readonly string? _tempPath;
    private bool _committed;

    private ArchiveOutput(Stream stream, string? finalPath, string? tempPath)
    {
        Stream = stream;
        FinalPath = finalPath;
        _tempPath = tempPath;
    }

    public Stream Stream { get; }

    /// <summary>The final file name; null for stdout.</summary>
    public string? FinalPath { get; }

    /// <summary>Where the bytes are until the seal: the final path gets them only when complete.</summary>
    public string? TemporaryPath => _tempPath;

    /// <summary>The archive streams to standard output (<c>-o -</c>); nothing else may write there.</summary>
    public static ArchiveOutput ToStdout(Stream stdout) => new(stdout, null, null);

    public static ArchiveOutput ToFile(string path)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full) || Directory.Exists(full))
        {
            throw new ArchiveOutputException($"{full} already exists; cfir never overwrites evidence");
        }
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir))
        {
            throw new ArchiveOutputException($"output directory {dir} does not exist");
        }
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + ".partial-" + Environment.ProcessId);
        try
        {
            var fs = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                BufferSize = 0,
            });
            return new ArchiveOutput(fs, full, temp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArchiveOutputException($"cannot create {temp}: {ex.Message}", ex);
        }
    }

    /// <summary>Flushes to disk and gives the file its final name, failing rather than replacing a file that appeared meanwhile.</summary>
    public async ValueTask CommitAsync()
    {
        await Stream.FlushAsync().ConfigureAwait(false);
        if (Stream is FileStream fs)
        {
            fs.Flush(flushToDisk: true);
        }
        await Stream.DisposeAsync().ConfigureAwait(false);
        if (_tempPath is null || FinalPath is null)
        {
            _committed = true;
            return;
        }
        // link(2) fails with EEXIST instead of replacing: the no-overwrite rename, atomic on one filesystem.
        if (Link(_tempPath, FinalPath) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new ArchiveOutputException(
                $"cannot name the archive {FinalPath} (errno {errno}); it is kept as {_tempPath}");
        }
        File.Delete(_tempPath);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        // An archive that was never committed stays under its temporary name: evidence is never deleted.
        if (!_committed)
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
