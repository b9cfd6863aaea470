using System.Globalization;
using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// Reads the /proc/&lt;pid&gt;/net files of one pinned process into memory with
/// <see cref="HostFile"/> (the same safe open as every other capture). The namespace is checked
/// after each open: /proc/&lt;pid&gt;/net shows the namespace the process is in when the file is
/// opened, and a process may move (setns) at any time.
/// </summary>
internal sealed class ProcNetReader
{
    private const int ChunkSize = 256 * 1024;

    private readonly ProcessDirectory _process;
    private readonly string _expectedNamespace;
    private readonly int _maxBytes;
    private readonly TimeProvider _clock;

    /// <param name="maxBytes">How much of one file is held in memory and decoded; a larger file is still archived whole.</param>
    public ProcNetReader(ProcessDirectory process, string expectedNamespace, int maxBytes, TimeProvider clock)
    {
        _process = process;
        _expectedNamespace = expectedNamespace;
        _maxBytes = maxBytes;
        _clock = clock;
    }

    public string ProcPath(ProcNetFile file) => "/proc/" + _process.Pid.ToString(CultureInfo.InvariantCulture) + "/net/" + file.Name;

    /// <summary>Whether the pinned process still exists (its ns/net link still reads).</summary>
    public bool ProcessAlive => _process.ReadLinkText("ns/net", out _) is not null;

    /// <summary>Never throws but for cancellation: every problem is a status on the result.</summary>
    public async Task<ProcNetRead> ReadAsync(ProcNetFile file, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var readAt = _clock.GetUnixTime();
        string procPath = ProcPath(file);
        var capture = HostFile.Capture(_process.PathOf("net/" + file.Name), CaptureLimits.None with { ReadUntilEof = true });
        if (capture.Content is not { } content)
        {
            bool absent = capture.Errno == UnixError.ENOENT;
            return new ProcNetRead
            {
                File = file,
                ProcPath = procPath,
                Status = absent ? EntryStatus.Skipped : capture.Status == EntryStatus.Collected ? EntryStatus.Failed : capture.Status,
                Reason = absent
                    ? $"{procPath} does not exist: {file.WhenAbsent}"
                    : capture.Reason ?? $"{procPath} is not a regular file",
                Errno = capture.Errno,
                Metadata = capture.Metadata,
                ReadAt = readAt,
            };
        }

        await using (content.ConfigureAwait(false))
        {
            string? now = _process.ReadLinkText("ns/net", out string? why);
            bool otherNamespace = now != _expectedNamespace;
            var buffer = new MemoryStream();
            var chunk = new byte[ChunkSize];
            string? readError = null;
            int? readErrno = null;
            bool oversize = false;
            try
            {
                while (true)
                {
                    int room = (int)Math.Min(chunk.Length, _maxBytes - buffer.Length);
                    if (room == 0)
                    {
                        // One byte more says whether the file goes on past the limit.
                        oversize = await content.ReadAsync(buffer.Length, chunk.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0;
                        break;
                    }
                    int n = await content.ReadAsync(buffer.Length, chunk.AsMemory(0, room), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }
                    buffer.Write(chunk, 0, n);
                }
            }
            catch (IOException ex)
            {
                readError = $"read failed after {buffer.Length} bytes: {ex.Message}";
                readErrno = ex.HResult > 0 ? ex.HResult : null;
            }
            ContentReadNote? note = await content.CompleteAsync(cancellationToken).ConfigureAwait(false);

            byte[] bytes = buffer.ToArray();
            var status = EntryStatus.Collected;
            var reasons = new List<string>();
            if (otherNamespace)
            {
                status = EntryStatus.Partial;
                reasons.Add(now is null
                    ? $"the process could not be checked after the open ({why}): the bytes may not be of {_expectedNamespace}; not decoded"
                    : $"the process was in {now}, not {_expectedNamespace}, when the file was opened: kept as read, not decoded");
            }
            if (readError is not null)
            {
                status = EntryStatus.Partial;
                reasons.Add(readError);
            }
            if (note is not null && note.Status != EntryStatus.Truncated)
            {
                status = EntryStatus.Partial;
                reasons.Add(note.Reason);
            }
            return new ProcNetRead
            {
                File = file,
                ProcPath = procPath,
                Status = status,
                Reason = reasons.Count == 0 ? null : string.Join("; ", reasons),
                Errno = readErrno ?? note?.Errno,
                Content = bytes,
                Oversize = oversize,
                OtherNamespace = otherNamespace,
                Metadata = capture.Metadata,
                ReadAt = readAt,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            };
        }
    }

    /// <summary>The file captured again, for the writer to stream whole (it was over the decode limit).</summary>
    public HostFileCapture CaptureAgain(ProcNetFile file) =>
        HostFile.Capture(_process.PathOf("net/" + file.Name), CaptureLimits.None with { ReadUntilEof = true });
}
