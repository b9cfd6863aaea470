using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Logs;

/// <summary>
/// The log files a file-based log driver keeps on the daemon's host, captured byte-exact as on
/// disk (hashed as stored, with statx metadata) into <c>logs/files/&lt;name&gt;</c>:
/// <list type="bullet">
/// <item>the inspect document's <c>LogPath</c>: Docker's json-file
/// <c>/var/lib/docker/containers/&lt;id&gt;/&lt;id&gt;-json.log</c>, Podman's conmon k8s-file
/// <c>.../overlay-containers/&lt;id&gt;/userdata/ctr.log</c>;</item>
/// <item>its rotated siblings in the same directory, <c>&lt;name&gt;.1</c>, <c>&lt;name&gt;.2</c>, ... and
/// with <c>compress=true</c> <c>&lt;name&gt;.1.gz</c>, ... (Docker's json-file <c>max-file</c>); stored as they
/// are, compressed ones compressed. Podman's k8s-file <c>max-size</c> truncates the one file instead
/// (checked on 4.3.1): there are no siblings, and what was cut is gone.</item>
/// </list>
/// LogPath and its directory belong to the daemon (trusted host paths): LogPath is captured with
/// <see cref="HostFile.Capture(byte[], CaptureLimits)"/>; the directory is listed with
/// <see cref="SafeTreeWalker"/> one level deep and the siblings are opened relative to it,
/// never following a symlink. A rotation between listing and opening shows as a sibling
/// "replaced" or "deleted before it was read", never as another file's bytes under its name.
/// </summary>
public static class LogFiles
{
    /// <summary>The folder inside the Logs section.</summary>
    public const string Folder = "files";

    /// <summary>
    /// Captures <paramref name="logPathText"/> and its rotated siblings into <paramref name="sink"/>.
    /// <paramref name="driver"/> says what wrote them, for the descriptions ("json-file driver").
    /// A LogPath this host cannot read becomes a Failed item (or Skipped, for a container that
    /// never ran and so has no file yet), never an exception.
    /// </summary>
    public static async Task CaptureAsync(IEvidenceSink sink, string logPathText, string driver, bool neverStarted, CaptureLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentException.ThrowIfNullOrEmpty(logPathText);
        // The inspect document is JSON: the path arrives as text (Go writes U+FFFD for bytes that are not UTF-8).
        byte[] logPath = Encoding.UTF8.GetBytes(logPathText);
        string shown = logPathText;
        int slash = logPath.AsSpan().LastIndexOf((byte)'/');
        if (logPath[0] != (byte)'/' || slash == logPath.Length - 1 || logPath.AsSpan().Contains((byte)0))
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = Folder,
                Status = EntryStatus.Failed,
                Reason = $"LogPath '{shown}' is not an absolute path to a file",
                Source = new EvidenceSource { OriginalPath = logPath, Description = "LogPath of the inspect document" },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] directory = slash == 0 ? [(byte)'/'] : logPath[..slash];
        byte[] name = logPath[(slash + 1)..];
        string itemName = ItemName(name);
        var source = new EvidenceSource { OriginalPath = logPath, Description = $"host file {shown}: LogPath, the container's log as the {driver} keeps it on disk" };

        // lstat first: "this host cannot see the daemon's files" (another host, another mount
        // namespace, no permission) is a different story from a file that vanished while read.
        if (HostFile.Lstat(logPath, out int errno) is null)
        {
            bool noFileYet = neverStarted && errno == UnixError.ENOENT;
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = itemName,
                Status = noFileYet ? EntryStatus.Skipped : EntryStatus.Failed,
                Reason = noFileYet
                    ? $"the container has never run: the {driver} has written no file yet ({shown})"
                    : $"LogPath not readable from this host: lstat {shown}: {UnixError.Describe(errno)}",
                Errno = noFileYet ? null : errno,
                Source = source,
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        var capture = HostFile.Capture(logPath, limits);
        await AddAsync(sink, capture, itemName, source, cancellationToken).ConfigureAwait(false);
        await CaptureSiblingsAsync(sink, directory, name, driver, limits, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The item name of a file in the folder: its name escaped as one archive path segment.</summary>
    public static string ItemName(ReadOnlySpan<byte> fileName) => Folder + "/" + ArchivePath.EscapeSegment(fileName);

    /// <summary>Whether a name in LogPath's directory is a rotated sibling of <paramref name="logName"/>: it starts with "<c>&lt;logName&gt;.</c>".</summary>
    public static bool IsSibling(ReadOnlySpan<byte> name, ReadOnlySpan<byte> logName) =>
        name.Length > logName.Length + 1 && name.StartsWith(logName) && name[logName.Length] == (byte)'.';

    /// <summary>
    /// Rotation order: by the number after "<c>&lt;logName&gt;.</c>" (.1 is the newest rotated file,
    /// then .2, ..., .10), then by name, so <c>.1</c> comes before <c>.1.gz</c>; names without a
    /// number last.
    /// </summary>
    public static int CompareSiblings(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int logNameLength)
    {
        ulong? na = RotationNumber(a, logNameLength);
        ulong? nb = RotationNumber(b, logNameLength);
        if (na != nb)
        {
            return (na, nb) switch
            {
                (null, _) => 1,
                (_, null) => -1,
                _ => na.Value.CompareTo(nb!.Value),
            };
        }
        return a.SequenceCompareTo(b);
    }

    private static ulong? RotationNumber(ReadOnlySpan<byte> name, int logNameLength)
    {
        var rest = name[(logNameLength + 1)..];
        int digits = 0;
        while (digits < rest.Length && digits < 18 && rest[digits] is >= (byte)'0' and <= (byte)'9')
        {
            digits++;
        }
        return digits == 0 ? null : ulong.Parse(Encoding.ASCII.GetString(rest[..digits]), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static async Task CaptureSiblingsAsync(IEvidenceSink sink, byte[] directory, byte[] logName, string driver, CaptureLimits limits, CancellationToken cancellationToken)
    {
        string shownDirectory = Show(directory);
        SafeTreeWalker walker;
        try
        {
            walker = SafeTreeWalker.Open(directory, new WalkOptions { MaxDepth = 1 });
        }
        catch (IOException ex)
        {
            sink.RecordError($"rotated log files next to LogPath not looked for in {shownDirectory}", ex, ex.HResult > 0 ? ex.HResult : null, shownDirectory);
            return;
        }
        using (walker)
        {
            // List first, then capture in rotation order; each capture resolves its name again
            // beneath the directory and checks it is still the inode that was listed.
            var siblings = new List<WalkEntry>();
            foreach (var entry in walker.Walk(cancellationToken))
            {
                if (entry.IsRoot)
                {
                    if (entry.Error is { } error)
                    {
                        sink.RecordError($"listing {shownDirectory} for rotated log files: {error}", null, entry.Errno, shownDirectory);
                    }
                    continue;
                }
                if (IsSibling(entry.Name, logName))
                {
                    siblings.Add(entry);
                }
            }
            siblings.Sort((a, b) => CompareSiblings(a.Name, b.Name, logName.Length));
            foreach (var entry in siblings)
            {
                byte[] path = [.. directory, (byte)'/', .. entry.Name];
                var source = new EvidenceSource
                {
                    OriginalPath = path,
                    Description = $"host file {Show(path)}: rotated sibling of LogPath, written by the {driver}",
                };
                await AddAsync(sink, entry.Capture(limits), ItemName(entry.Name), source, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static ValueTask<EntryResult> AddAsync(IEvidenceSink sink, HostFileCapture capture, string itemName, EvidenceSource source, CancellationToken cancellationToken) =>
        sink.AddAsync(capture.ToEvidenceItem(EvidenceSection.Logs, source.OriginalPath!, source) with { RawPath = null, Name = itemName }, cancellationToken);

    /// <summary>A host path for a person (the manifest keeps the bytes).</summary>
    private static string Show(byte[] path) => Encoding.UTF8.GetString(path);
}
