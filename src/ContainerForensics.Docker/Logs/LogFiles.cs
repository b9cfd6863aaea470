using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Filesystem;

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
/// LogPath's directory is opened once through <see cref="HostPathAccess"/> (on this host as named,
/// the daemon's own path; a nested daemon's beneath its root, no symlink followed on the way), and
/// LogPath and its siblings are opened relative to it with <see cref="SafeTreeWalker"/>, never
/// following a symlink: a link in their place is recorded as a link. A rotation between listing
/// and opening shows as a sibling "replaced" or "deleted before it was read", never as another
/// file's bytes under its name.
/// </summary>
internal static class LogFiles
{
    /// <summary>The folder inside the Logs section.</summary>
    public const string Folder = "files";

    /// <summary>
    /// Captures <paramref name="logPathText"/> and its rotated siblings into <paramref name="sink"/>,
    /// read where <paramref name="paths"/> says. <paramref name="driver"/> says what wrote them, for
    /// the descriptions ("json-file log driver"). A LogPath that cannot be read becomes a Failed
    /// item (or Skipped, for a container that never ran and so has no file yet), never an exception.
    /// </summary>
    public static async Task CaptureAsync(IEvidenceSink sink, string logPathText, string driver, bool neverStarted, CaptureLimits limits, HostPathAccess paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentException.ThrowIfNullOrEmpty(logPathText);
        ArgumentNullException.ThrowIfNull(paths);
        // The inspect document is JSON: the path arrives as text (Go writes U+FFFD for bytes that are not UTF-8).
        byte[] logPath = Encoding.UTF8.GetBytes(logPathText);
        int slash = logPath.AsSpan().LastIndexOf((byte)'/');
        if (logPath[0] != (byte)'/' || slash == logPath.Length - 1 || logPath.AsSpan().Contains((byte)0) || logPath.AsSpan(slash + 1) is [(byte)'.'] or [(byte)'.', (byte)'.'])
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = Folder,
                Status = EntryStatus.Failed,
                Reason = $"LogPath '{logPathText}' is not an absolute path to a file",
                Source = new EvidenceSource { OriginalPath = logPath, Description = "LogPath of the inspect document" },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        string directory = slash == 0 ? "/" : logPathText[..logPathText.LastIndexOf('/')];
        byte[] name = logPath[(slash + 1)..];
        string itemName = ItemName(name);
        string shown = paths.Show(logPathText);
        var source = new EvidenceSource { OriginalPath = logPath, Description = $"{FileOf(paths, logPathText)}: LogPath, the container's log as the {driver} keeps it on disk" };

        SafeTreeWalker walker;
        try
        {
            walker = paths.OpenDirectory(directory, new WalkOptions { MaxDepth = 1 });
        }
        catch (IOException ex)
        {
            await NotReadAsync(sink, itemName, source, shown, driver, neverStarted, ex.HResult > 0 ? ex.HResult : null, ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        using (walker)
        {
            var capture = walker.Capture(name, limits);
            if (capture.Stat is null && capture.Errno is { } errno)
            {
                // Not there, or not reachable: "this host cannot see the daemon's files" (another
                // mount namespace, no permission) is a different story from a file that vanished while read.
                await NotReadAsync(sink, itemName, source, shown, driver, neverStarted, errno, UnixError.Describe(errno), cancellationToken).ConfigureAwait(false);
                return;
            }
            await AddAsync(sink, capture, itemName, source, cancellationToken).ConfigureAwait(false);
            await CaptureSiblingsAsync(sink, walker, paths, directory, name, driver, limits, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ValueTask<EntryResult> NotReadAsync(IEvidenceSink sink, string itemName, EvidenceSource source, string shown, string driver, bool neverStarted, int? errno, string why, CancellationToken cancellationToken)
    {
        bool noFileYet = neverStarted && errno == UnixError.ENOENT;
        return sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Logs,
            Name = itemName,
            Status = noFileYet ? EntryStatus.Skipped : EntryStatus.Failed,
            Reason = noFileYet
                ? $"the container has never run: the {driver} has written no file yet ({shown})"
                : $"LogPath {shown} not readable: {why}",
            Errno = noFileYet ? null : errno,
            Source = source,
        }, cancellationToken);
    }

    /// <summary>"host file /var/lib/docker/...", or a nested daemon's "file /var/lib/docker/... in docker/dind via /proc/6964/root".</summary>
    private static string FileOf(HostPathAccess paths, string path) => (paths.Root is null ? "host file " : "file ") + paths.Show(path);

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

    /// <summary>The rotated siblings, listed from the directory LogPath was captured in.</summary>
    private static async Task CaptureSiblingsAsync(IEvidenceSink sink, SafeTreeWalker walker, HostPathAccess paths, string directory, byte[] logName, string driver, CaptureLimits limits, CancellationToken cancellationToken)
    {
        string shownDirectory = paths.Show(directory);
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
            // Sibling names are the directory's bytes; the text of a name that is not UTF-8 is only for people.
            string path = (directory == "/" ? "/" : directory + "/") + Encoding.UTF8.GetString(entry.Name);
            var source = new EvidenceSource
            {
                OriginalPath = [.. Encoding.UTF8.GetBytes(directory == "/" ? "" : directory), (byte)'/', .. entry.Name],
                Description = $"{FileOf(paths, path)}: rotated sibling of LogPath, written by the {driver}",
            };
            await AddAsync(sink, entry.Capture(limits), ItemName(entry.Name), source, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ValueTask<EntryResult> AddAsync(IEvidenceSink sink, HostFileCapture capture, string itemName, EvidenceSource source, CancellationToken cancellationToken) =>
        sink.AddAsync(capture.ToEvidenceItem(EvidenceSection.Logs, source.OriginalPath!, source) with { RawPath = null, Name = itemName }, cancellationToken);
}
