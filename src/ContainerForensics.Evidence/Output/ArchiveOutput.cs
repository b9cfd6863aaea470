using System.Runtime.InteropServices;
using ContainerForensics.Core;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// Where the archive's bytes go: a new file (created exclusively with mode 0600 under a
/// temporary name, renamed to its final name only once sealed, never over an existing file),
/// or standard output for <c>-o -</c>. A file's bytes go to the disk as they are written
/// (<see cref="EarlyWritebackStream"/>), so the commit's fsync waits for the last of them only.
/// Optionally through a layer (encryption to the analyst):
/// the writer writes into the layer, and what the layer writes below is hashed here, because
/// those are the bytes that arrive.
/// </summary>
public sealed partial class ArchiveOutput : IAsyncDisposable
{
    private readonly string? _tempPath;
    private readonly Stream _sink;                // the file or stdout
    private readonly HashingWriteStream? _written; // with a layer: what reaches the sink
    private readonly OutputLayer? _layer;
    private bool _committed;

    private ArchiveOutput(Stream sink, string? finalPath, string? tempPath, Func<Stream, OutputLayer>? layer)
    {
        _sink = sink;
        FinalPath = finalPath;
        _tempPath = tempPath;
        if (layer is not null)
        {
            _written = new HashingWriteStream(sink, leaveOpen: true);
            _layer = layer(_written);
        }
        Stream = (Stream?)_layer ?? sink;
    }

    /// <summary>Where the archive writes: the layer when there is one, else the file or stdout.</summary>
    public Stream Stream { get; }

    /// <summary>Whether the output hashes the bytes it writes itself (a layer changes them on the way).</summary>
    public bool HashesWrittenBytes => _written is not null;

    /// <summary>With a layer: the sha256 of the bytes written to the file or stdout.</summary>
    public string? WrittenSha256() => _written?.CurrentSha256();

    /// <summary>With a layer: how many bytes were written to the file or stdout.</summary>
    public long WrittenBytes => _written?.BytesWritten ?? 0;

    /// <summary>The final file name; null for stdout.</summary>
    public string? FinalPath { get; }

    /// <summary>Where the bytes are until the seal: the final path gets them only when complete.</summary>
    public string? TemporaryPath => _tempPath;

    /// <summary>The archive streams to standard output (<c>-o -</c>); nothing else may write there.</summary>
    public static ArchiveOutput ToStdout(Stream stdout, Func<Stream, OutputLayer>? layer = null) => new(stdout, null, null, layer);

    public static ArchiveOutput ToFile(string path, Func<Stream, OutputLayer>? layer = null)
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
            try
            {
                return new ArchiveOutput(new EarlyWritebackStream(fs), full, temp, layer);
            }
            catch
            {
                fs.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArchiveOutputException($"cannot create {temp}: {ex.Message}", ex);
        }
    }

    /// <summary>Flushes to disk and gives the file its final name, failing rather than replacing a file that appeared meanwhile.</summary>
    public async ValueTask CommitAsync()
    {
        if (_layer is not null)
        {
            _layer.Finish();
            await _layer.DisposeAsync().ConfigureAwait(false);
            await _written!.FlushAsync().ConfigureAwait(false);
        }
        await _sink.FlushAsync().ConfigureAwait(false);
        if (_sink is EarlyWritebackStream file)
        {
            file.File.Flush(flushToDisk: true);
        }
        await _sink.DisposeAsync().ConfigureAwait(false);
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
        // A layer is left unfinished (an encrypted archive without its final chunk reads as cut).
        if (!_committed)
        {
            try
            {
                if (_layer is not null)
                {
                    await _layer.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _written?.Dispose();
                await _sink.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
