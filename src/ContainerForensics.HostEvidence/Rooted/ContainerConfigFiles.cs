using System.Globalization;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Rooted;

/// <summary>
/// The container's name-resolution files as the container sees them — /etc/resolv.conf,
/// /etc/hosts, /etc/hostname — read inside its root through <see cref="RootedFileReader"/>
/// (never on the host), under etc/ in the Volatile section. They are volatile: the engine
/// rewrites them, and an intruder edits them to redirect names.
/// </summary>
internal static class ContainerConfigFiles
{
    public static readonly string[] Paths = ["etc/resolv.conf", "etc/hosts", "etc/hostname"];

    /// <returns>Outcome per path, for capture.json.</returns>
    public static async Task<Dictionary<string, string>> CaptureAsync(string procRoot, int pid, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
        string rootPath = $"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/root";
        int errno = RootedFileReader.OpenRoot(procRoot, pid, out var root);
        if (errno != 0 || root is null)
        {
            foreach (var path in Paths)
            {
                var result = await sink.AddAsync(new EvidenceItem
                {
                    Section = EvidenceSection.Volatile,
                    Name = path,
                    Source = new EvidenceSource { Description = $"/{path} inside the container (via {rootPath})", OriginalPath = Encoding.UTF8.GetBytes("/" + path) },
                    Status = errno == UnixError.ENOENT ? EntryStatus.Missing : EntryStatus.Failed,
                    Reason = $"the container's root {rootPath} could not be opened: {UnixError.Describe(errno)}",
                    Errno = errno,
                }, cancellationToken).ConfigureAwait(false);
                outcomes[path] = Outcome(result);
            }
            return outcomes;
        }
        using (root)
        {
            foreach (var path in Paths)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var file = RootedFileReader.Read(root, Encoding.UTF8.GetBytes(path), options.MaxFileSize, options.Oversize);
                string description = $"/{path} inside the container, resolved in {rootPath} (openat2 RESOLVE_IN_ROOT)";
                if (file.LinkTarget is { } target)
                {
                    description += $"; a symlink to {EvidenceJson.Printable(target)}, followed inside the container's root";
                }
                var result = await sink.AddAsync(new EvidenceItem
                {
                    Section = EvidenceSection.Volatile,
                    Name = path,
                    Source = new EvidenceSource { Description = description, OriginalPath = Encoding.UTF8.GetBytes("/" + path) },
                    Metadata = file.Stat?.ToMetadata() ?? new EntryMetadata(),
                    Content = file.Content,
                    Status = file.Status,
                    Reason = file.Reason,
                    Errno = file.Errno,
                }, cancellationToken).ConfigureAwait(false);
                outcomes[path] = Outcome(result);
            }
        }
        return outcomes;
    }

    private static string Outcome(EntryResult result) =>
        result.Status.ToString().ToLowerInvariant() + (result.Reason is null ? "" : ": " + result.Reason);
}
