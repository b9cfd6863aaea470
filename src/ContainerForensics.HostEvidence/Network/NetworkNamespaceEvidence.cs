using System.Globalization;
using System.Text;
using ContainerForensics.Core;
using ContainerForensics.Core.Evidence;
using ContainerForensics.HostEvidence.Interop;
using ContainerForensics.HostEvidence.Network.Documents;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// The network state of one network namespace, read from /proc/&lt;pid&gt;/net of a process inside
/// it: sockets (TCP, UDP, v4 and v6, unix, raw, packet) decoded and tied to their owners,
/// interfaces, addresses, routes and ARP. Raw files as read, hashed; decoded tables as JSON
/// and plain text. Section Volatile, under network/&lt;netns inode&gt;/.
/// <para>
/// Only the host's /proc is read: no setns, nothing run inside the container, no host tool.
/// The process is pinned (<see cref="ProcessDirectory"/>) and its namespace checked before the
/// reads and after each open, so a process that exits or moves cannot make another
/// namespace's state appear under this one. All files are read first, as one snapshot, and
/// then written; the decoded documents are made from exactly the bytes archived as
/// proc-net/&lt;name&gt;, and each names their sha256.
/// </para>
/// <code>
/// network/&lt;inode&gt;/proc-net/&lt;name&gt;   tcp, tcp6, udp, udp6, raw, raw6, unix, packet, dev, if_inet6,
///                               fib_trie, route, ipv6_route, arp, and optional ones (snmp, netstat...)
/// network/&lt;inode&gt;/sockets.json   every socket, decoded, with its owners
/// network/&lt;inode&gt;/sockets.txt    the same as a table, like ss -anp
/// network/&lt;inode&gt;/interfaces.json, routes.json, arp.json
/// </code>
/// </summary>
public static class NetworkNamespaceEvidence
{
    /// <summary>
    /// Reads and records the namespace's network state. Never throws but for cancellation and a
    /// failed archive output (<see cref="ArchiveOutputException"/> from the sink: nothing more could be
    /// recorded); every other problem is an entry status or an error record on
    /// <paramref name="sink"/>, and the other pieces go on. A process that is gone or not in
    /// <paramref name="netnsInode"/> is one error record and nothing is read.
    /// </summary>
    /// <param name="pid">Any live process in the namespace (its /proc/&lt;pid&gt;/net is the namespace's view).</param>
    /// <param name="netnsInode">The namespace's inode (readlink /proc/&lt;pid&gt;/ns/net), naming its folder.</param>
    /// <param name="owners">Socket inode → the processes and fds holding it.</param>
    public static Task CollectAsync(int pid, ulong netnsInode, IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> owners, IEvidenceSink sink, CancellationToken cancellationToken) =>
        CollectAsync(new NetworkCollectionSettings(), pid, netnsInode, owners, sink, cancellationToken);

    /// <summary>The same, with the seams (/proc root, decode limit, clock) a test sets.</summary>
    internal static async Task CollectAsync(NetworkCollectionSettings settings, int pid, ulong netnsInode, IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>>? owners, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        string folder = "network/" + netnsInode.ToString(CultureInfo.InvariantCulture);
        string expected = "net:[" + netnsInode.ToString(CultureInfo.InvariantCulture) + "]";
        string procDir = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);

        int errno = ProcessDirectory.Open(settings.ProcRoot, pid, out var opened);
        using var process = opened;
        if (process is null)
        {
            sink.RecordError($"network namespace {expected}: process {pid} cannot be opened ({Core.FileSystem.UnixError.Describe(errno)}); its network state was not read", null, errno, procDir);
            return;
        }
        string? actual = process.ReadLinkText("ns/net", out string? why);
        if (actual != expected)
        {
            sink.RecordError(actual is null
                ? $"network namespace {expected}: the namespace of process {pid} cannot be read ({why}); its network state was not read"
                : $"network namespace {expected}: process {pid} is in {actual}, not in this namespace; its network state was not read", null, null, procDir + "/ns/net");
            return;
        }

        // 1. Read everything first: one snapshot, as close in time as /proc allows.
        var reader = new ProcNetReader(process, expected, settings.MaxDecodedBytes, settings.Clock);
        var reads = new List<ProcNetRead>(ProcNetFile.All.Count);
        foreach (var file in ProcNetFile.All)
        {
            ProcNetRead read;
            try
            {
                read = await reader.ReadAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not expected (the capture reports problems as outcomes), but one file must not cost the others.
                read = new ProcNetRead
                {
                    File = file,
                    ProcPath = reader.ProcPath(file),
                    Status = EntryStatus.Failed,
                    Reason = $"read failed: {ex.GetType().Name}: {ex.Message}",
                    ReadAt = settings.Clock.GetUnixTime(),
                };
            }
            if (read.Content is null && !reader.ProcessAlive)
            {
                // Not an absent file but an absent process: one record, not one per remaining file.
                int left = ProcNetFile.All.Count - reads.Count;
                sink.RecordError($"network namespace {expected}: process {pid} exited during the read; {left} of {ProcNetFile.All.Count} /proc/net files were not read", null, read.Errno, procDir + "/net");
                break;
            }
            reads.Add(read);
        }

        // 2. The raw files, as read, in reading order.
        foreach (var read in reads)
        {
            await BoundaryAsync(sink, $"{folder}/proc-net/{read.File.Name}", () => AddRawAsync(sink, reader, read, folder, expected, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        // 3. The decoded documents, each on its own.
        var snapshot = new NetworkSnapshot
        {
            Pid = pid,
            NetnsInode = netnsInode,
            Reads = reads.ToDictionary(r => r.File.Name, StringComparer.Ordinal),
            Owners = owners ?? new Dictionary<ulong, IReadOnlyList<SocketOwner>>(),
        };
        string decodedFrom = $"cfir: decoded from {procDir}/net of network namespace {expected}";
        SocketsDocument? sockets = null;
        await AddDecodedAsync(sink, folder + "/sockets.json", decodedFrom, () => (sockets = SocketsDocument.From(snapshot)).ToJson(), cancellationToken).ConfigureAwait(false);
        await AddDecodedAsync(sink, folder + "/sockets.txt", decodedFrom, () => (sockets ?? SocketsDocument.From(snapshot)).ToText(), cancellationToken).ConfigureAwait(false);
        await AddDecodedAsync(sink, folder + "/interfaces.json", decodedFrom, () => InterfacesDocument.From(snapshot).ToJson(), cancellationToken).ConfigureAwait(false);
        await AddDecodedAsync(sink, folder + "/routes.json", decodedFrom, () => RoutesDocument.From(snapshot).ToJson(), cancellationToken).ConfigureAwait(false);
        await AddDecodedAsync(sink, folder + "/arp.json", decodedFrom, () => ArpDocument.From(snapshot).ToJson(), cancellationToken).ConfigureAwait(false);
    }

    private static async Task AddRawAsync(IEvidenceSink sink, ProcNetReader reader, ProcNetRead read, string folder, string expected, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource
        {
            Description = $"{read.ProcPath} of network namespace {expected}",
            OriginalPath = Encoding.UTF8.GetBytes(read.ProcPath),
        };
        string name = $"{folder}/proc-net/{read.File.Name}";
        if (read.Oversize)
        {
            // Too large to hold: the first part was decoded; the archive gets the whole file, read again and streamed.
            var again = reader.CaptureAgain(read.File);
            string note = $"larger than the decode limit ({read.Content!.Length} bytes): read a second time for the archive; the decoded documents cover the first read's first {read.Content.Length} bytes";
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = name,
                Source = source,
                Metadata = again.Metadata,
                Content = again.Content,
                Status = again.Status,
                Reason = again.Reason is null ? note : again.Reason + "; " + note,
                Errno = again.Errno,
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Volatile,
            Name = name,
            Source = source,
            Metadata = read.Metadata,
            Content = read.Content is null ? null : EvidenceContent.FromBytes(read.Content),
            Status = read.Status,
            Reason = read.Reason,
            Errno = read.Errno,
            CollectedAt = read.ReadAt,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A decoded document; if making it fails, a failed entry says so and the others go on.</summary>
    private static Task AddDecodedAsync(IEvidenceSink sink, string name, string description, Func<byte[]> make, CancellationToken cancellationToken) =>
        BoundaryAsync(sink, name, async () =>
        {
            byte[] bytes;
            try
            {
                bytes = make();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await sink.AddAsync(new EvidenceItem
                {
                    Section = EvidenceSection.Volatile,
                    Name = name,
                    Source = new EvidenceSource { Description = description },
                    Status = EntryStatus.Failed,
                    Reason = $"decoding failed: {ex.GetType().Name}: {ex.Message}",
                }, cancellationToken).ConfigureAwait(false);
                return;
            }
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Volatile, name, bytes, description), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private static async Task BoundaryAsync(IEvidenceSink sink, string what, Func<Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (Failures.StopsRun(ex))
        {
            throw;  // the archive output failed: nothing more can be recorded
        }
        catch (Exception ex)
        {
            sink.RecordError($"{what} failed", ex);
        }
    }
}
