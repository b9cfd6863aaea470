using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// Captures one process from the host's /proc, read-only, without entering or executing
/// anything of the container: its raw /proc files (byte-exact, hashed by the archive writer),
/// its links (executable, cwd, root, every open descriptor, its namespaces) and the bytes of its
/// executable through /proc/&lt;pid&gt;/exe, which reaches the inode itself — a binary deleted
/// after start or a memfd is captured as it runs. Everything goes under processes/&lt;pid&gt;/ in
/// the Volatile section; what was decoded is returned for processes.json.
/// <para>
/// Every step has its own failure boundary: a process that exits half-way keeps what was
/// captured, the rest is recorded as missing, and the next step (or process) goes on.
/// </para>
/// </summary>
internal sealed class ProcessCapture
{
    /// <summary>/proc pseudo-files: stat says size 0, so they are read until EOF (the writer spools them).</summary>
    private static readonly CaptureLimits ProcFileLimits = new() { ReadUntilEof = true };

    /// <summary>ESRCH (not in Core's table): the task behind an open /proc descriptor is gone.</summary>
    private const int Esrch = 3;

    private readonly IEvidenceSink _sink;
    private readonly string _procRoot;
    private readonly CollectionOptions _options;
    private readonly BootClock? _boot;
    private readonly ExecutableStore _executables;

    /// <param name="executables">Executables already stored in this run (shared across containers).</param>
    public ProcessCapture(IEvidenceSink sink, string procRoot, CollectionOptions options, BootClock? boot, ExecutableStore executables)
    {
        _sink = sink;
        _procRoot = procRoot;
        _options = options;
        _boot = boot;
        _executables = executables;
    }

    /// <param name="keepMountInfo">Keep the archived mountinfo bytes for mounts.json (the init's only: a mount table can be large).</param>
    public async Task<ProcessRecord> CaptureAsync(ProcessMember member, bool keepMountInfo, CancellationToken cancellationToken)
    {
        int pid = member.Pid;
        var record = new ProcessRecord(pid) { NestedPidNamespace = member.NestedPidNamespace };
        int errno = ProcessDirectory.Open(_procRoot, pid, out var dir);
        if (errno == UnixError.ENOENT)
        {
            record.Exited = "before capture";
            record.Notes.Add("exited before its capture began");
            return record;
        }
        if (errno != 0 || dir is null)
        {
            record.Notes.Add($"/proc/{pid} could not be opened: {UnixError.Describe(errno)}");
            await _sink.AddAsync(FailedItem(pid, "", $"/proc/{pid} could not be opened", errno, EntryKind.Directory), cancellationToken).ConfigureAwait(false);
            return record;
        }
        using (dir)
        {
            // Most volatile first: identity and state, then what the process holds open, then
            // the larger and steadier files, the executable's bytes last.
            await StepAsync(record, "stat", async () =>
            {
                if (await RawAsync(dir, record, "stat", cancellationToken).ConfigureAwait(false) is { } bytes)
                {
                    record.Stat = ProcStat.TryParse(bytes);
                    if (record.Stat is null)
                    {
                        record.Notes.Add("stat could not be decoded");
                    }
                    else if (_boot is not null)
                    {
                        record.StartTime = _boot.StartOf(record.Stat.StartTicks);
                    }
                    if (record.Stat?.State == 'Z')
                    {
                        record.Notes.Add("zombie: exited, not yet reaped by its parent (no executable, maps or descriptors left)");
                    }
                }
            }).ConfigureAwait(false);
            await StepAsync(record, "status", async () =>
            {
                if (await RawAsync(dir, record, "status", cancellationToken).ConfigureAwait(false) is { } bytes)
                {
                    record.Status = ProcStatus.Parse(bytes);
                }
            }).ConfigureAwait(false);
            await StepAsync(record, "cmdline", async () =>
            {
                if (await RawAsync(dir, record, "cmdline", cancellationToken).ConfigureAwait(false) is { } bytes)
                {
                    (record.Argv, record.ArgvUnterminated) = SplitArgv(bytes);
                }
            }).ConfigureAwait(false);
            await StepAsync(record, "exe link", async () => record.ExeTarget = await LinkAsync(dir, record, "exe", "exe-target", cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            await StepAsync(record, "cwd", async () => record.Cwd = await LinkAsync(dir, record, "cwd", "cwd", cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            await StepAsync(record, "root", async () => record.Root = await LinkAsync(dir, record, "root", "root", cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            await StepAsync(record, "fd", () => DescriptorsAsync(dir, record, cancellationToken)).ConfigureAwait(false);
            await StepAsync(record, "ns", () => NamespacesAsync(dir, record, cancellationToken)).ConfigureAwait(false);
            await StepAsync(record, "environ", () => RawAsync(dir, record, "environ", cancellationToken, decode: false)).ConfigureAwait(false);
            await StepAsync(record, "cgroup", async () =>
            {
                if (await RawAsync(dir, record, "cgroup", cancellationToken).ConfigureAwait(false) is { } bytes)
                {
                    record.CgroupLines = SplitLines(bytes);
                }
            }).ConfigureAwait(false);
            await StepAsync(record, "loginuid", async () =>
            {
                if (await RawAsync(dir, record, "loginuid", cancellationToken).ConfigureAwait(false) is { } bytes &&
                    uint.TryParse(Encoding.ASCII.GetString(bytes).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint loginUid))
                {
                    record.LoginUid = loginUid;
                }
            }).ConfigureAwait(false);
            await StepAsync(record, "limits", () => RawAsync(dir, record, "limits", cancellationToken, decode: false)).ConfigureAwait(false);
            await StepAsync(record, "maps", () => RawAsync(dir, record, "maps", cancellationToken, decode: false)).ConfigureAwait(false);
            await StepAsync(record, "mountinfo", async () => record.MountInfo = await RawAsync(dir, record, "mountinfo", cancellationToken, decode: keepMountInfo).ConfigureAwait(false)).ConfigureAwait(false);
            await StepAsync(record, "exe", () => ExecutableAsync(dir, record, cancellationToken)).ConfigureAwait(false);

            if (record.Stat?.State is not ('Z' or 'X') && dir.IsExiting())
            {
                record.Exited ??= "during capture";
                record.Notes.Add("exited during capture: what was read before is kept, the rest is recorded as missing");
            }
        }
        return record;
    }

    /// <summary>One step's failure boundary: anything but cancellation, a vanished container or a broken archive becomes an error record.</summary>
    private async Task StepAsync(ProcessRecord record, string what, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            record.Notes.Add($"{what} failed: {ex.Message}");
            _sink.RecordError($"{what} of process {record.Pid} failed", ex, (ex as IOException)?.HResult, $"/proc/{record.Pid}/{what}");
        }
    }

    /// <summary>
    /// One /proc file, captured by <see cref="HostFile"/> through our descriptor of the process
    /// directory. With <paramref name="decode"/>, returns the archived bytes (for decoding), else
    /// or when nothing was read, null.
    /// </summary>
    private async Task<byte[]?> RawAsync(ProcessDirectory dir, ProcessRecord record, string name, CancellationToken cancellationToken, bool decode = true)
    {
        var capture = HostFile.Capture(dir.PathThroughDescriptor(name), ProcFileLimits);
        var tee = capture.Content is null || !decode ? null : new TeeContent(capture.Content);
        // ENOENT or ESRCH through the pinned directory, or any failure while the process is
        // exiting (EINVAL from mountinfo once its namespaces are released): the process is going
        // away, the file is not unreadable.
        bool gone = capture.Status is EntryStatus.Missing or EntryStatus.Failed &&
                    (capture.Errno is UnixError.ENOENT or Esrch || dir.IsExiting());
        var result = await _sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Volatile,
            Name = ItemName(record.Pid, name),
            Source = new EvidenceSource { Description = $"{dir.Path}/{name}" },
            Metadata = capture.Metadata,
            Content = (IEvidenceContent?)tee ?? capture.Content,
            Status = gone ? EntryStatus.Missing : capture.Status,
            Reason = gone ? $"the process exited before it was read ({capture.Reason})" : capture.Reason,
            Errno = capture.Errno,
        }, cancellationToken).ConfigureAwait(false);
        Note(record, name, result);
        return tee?.Captured;
    }

    /// <summary>A link of the process as a symlink entry, target byte-exact; returns the target.</summary>
    private async Task<byte[]?> LinkAsync(ProcessDirectory dir, ProcessRecord record, string procName, string itemName, CancellationToken cancellationToken)
    {
        int errno = dir.ReadLink(procName, out byte[]? target);
        var stat = dir.StatNoFollow(procName, out _);
        EvidenceItem item;
        if (errno != 0 || target is null)
        {
            item = FailedItem(record.Pid, itemName, $"readlink {dir.Path}/{procName} failed", errno, EntryKind.Symlink, record, dir);
        }
        else
        {
            item = new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = ItemName(record.Pid, itemName),
                Source = new EvidenceSource { Description = $"readlink {dir.Path}/{procName}" },
                Metadata = stat?.ToMetadata(target) ?? new EntryMetadata { Kind = EntryKind.Symlink, LinkTarget = target },
            };
            if (item.Metadata.Kind != EntryKind.Symlink)
            {
                item = item with { Metadata = item.Metadata with { Kind = EntryKind.Symlink, LinkTarget = target } };
            }
        }
        var result = await _sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
        Note(record, itemName, result);
        return errno == 0 ? target : null;
    }

    /// <summary>The descriptor table: one symlink entry per /proc/&lt;pid&gt;/fd/N, its permission bits showing the open mode.</summary>
    private async Task DescriptorsAsync(ProcessDirectory dir, ProcessRecord record, CancellationToken cancellationToken)
    {
        int errno = dir.List("fd", out var names);
        if (errno != 0)
        {
            var failed = FailedItem(record.Pid, "fd", $"listing {dir.Path}/fd failed", errno, EntryKind.Directory, record, dir);
            Note(record, "fd", await _sink.AddAsync(failed, cancellationToken).ConfigureAwait(false));
            return;
        }
        var fds = new List<FileDescriptorLink>();
        foreach (int fd in names.Select(ParseNumber).Where(n => n >= 0).Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = "fd/" + fd.ToString(CultureInfo.InvariantCulture);
            int linkErrno = dir.ReadLink(name, out byte[]? target);
            var stat = dir.StatNoFollow(name, out _);
            string? access = stat is null ? null : ((stat.Mode & 0x100) != 0 ? "r" : "") + ((stat.Mode & 0x80) != 0 ? "w" : "");
            fds.Add(new FileDescriptorLink(fd, linkErrno == 0 ? target : null, access, linkErrno == 0 ? null : UnixError.Describe(linkErrno)));
            EvidenceItem item = linkErrno != 0 || target is null
                ? FailedItem(record.Pid, name, $"readlink {dir.Path}/{name} failed", linkErrno, EntryKind.Symlink, record, dir)
                : new EvidenceItem
                {
                    Section = EvidenceSection.Volatile,
                    Name = ItemName(record.Pid, name),
                    Source = new EvidenceSource { Description = $"readlink {dir.Path}/{name}" },
                    Metadata = (stat?.ToMetadata(target) ?? new EntryMetadata()) with { Kind = EntryKind.Symlink, LinkTarget = target },
                };
            Note(record, name, await _sink.AddAsync(item, cancellationToken).ConfigureAwait(false));
        }
        record.Fds = fds;
    }

    /// <summary>The namespaces (ns/net → "net:[4026532345]"), as symlink entries.</summary>
    private async Task NamespacesAsync(ProcessDirectory dir, ProcessRecord record, CancellationToken cancellationToken)
    {
        int errno = dir.List("ns", out var names);
        if (errno != 0)
        {
            var failed = FailedItem(record.Pid, "ns", $"listing {dir.Path}/ns failed", errno, EntryKind.Directory, record, dir);
            Note(record, "ns", await _sink.AddAsync(failed, cancellationToken).ConfigureAwait(false));
            return;
        }
        var namespaces = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var raw in names.OrderBy(n => Encoding.UTF8.GetString(n), StringComparer.Ordinal))
        {
            // Namespace file names are the kernel's own (net, pid, pid_for_children, ...): ASCII.
            string type = Encoding.ASCII.GetString(raw);
            if (type.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
            {
                continue;
            }
            byte[]? target = await LinkAsync(dir, record, "ns/" + type, "ns/" + type, cancellationToken).ConfigureAwait(false);
            if (target is not null)
            {
                namespaces[type] = target;
            }
        }
        record.Namespaces = namespaces;
    }

    /// <summary>
    /// The executable's bytes through /proc/&lt;pid&gt;/exe. That is a magic link to the inode being
    /// run, so HostFile (O_PATH|O_NOFOLLOW on the last component) would see only a symlink; it is
    /// opened here for reading, following the link — which is the point: a binary deleted or
    /// replaced after exec, or a memfd, is still that inode. Only a regular file is read (execve
    /// accepts nothing else, but the check costs one fstat).
    /// </summary>
    private async Task ExecutableAsync(ProcessDirectory dir, ProcessRecord record, CancellationToken cancellationToken)
    {
        const int Flags = Native.O_RDONLY | Native.O_CLOEXEC | Native.O_NOCTTY | Native.O_NONBLOCK;
        int errno = dir.OpenAt("exe", Flags | Native.O_NOATIME, out var fd);
        if (errno == UnixError.EPERM)
        {
            errno = dir.OpenAt("exe", Flags, out fd);  // O_NOATIME needs ownership or CAP_FOWNER
        }
        if (errno != 0 || fd is null)
        {
            string why = errno == UnixError.ENOENT && record.Stat?.State == 'Z'
                ? "a zombie has no executable"
                : $"open {dir.Path}/exe failed";
            Note(record, "exe", await _sink.AddAsync(FailedItem(record.Pid, "exe", why, errno, EntryKind.File, record, dir), cancellationToken).ConfigureAwait(false));
            return;
        }
        var stat = FileStat.Of(fd, out errno);
        if (stat is null || stat.Kind != EntryKind.File)
        {
            fd.Dispose();
            var item = stat is null
                ? FailedItem(record.Pid, "exe", $"fstat of {dir.Path}/exe failed", errno, EntryKind.File, record, dir)
                : new EvidenceItem
                {
                    Section = EvidenceSection.Volatile,
                    Name = ItemName(record.Pid, "exe"),
                    Metadata = stat.ToMetadata(),
                    Status = EntryStatus.Skipped,
                    Reason = $"not a regular file ({stat.Kind}): not read",
                };
            Note(record, "exe", await _sink.AddAsync(item, cancellationToken).ConfigureAwait(false));
            return;
        }
        record.ExeSize = stat.Size;
        record.ExeInode = stat.Inode;
        record.ExeDevice = $"{stat.DeviceMajor}:{stat.DeviceMinor}";
        record.ExeLinkCount = stat.LinkCount;
        // nlink 0 cannot be faked; the " (deleted)" the kernel appends to the link text can (a
        // file may be named so), and also appears when one of several names was removed.
        record.ExeDeleted = stat.LinkCount == 0;
        if (stat.LinkCount > 0 && record.ExeTarget.AsSpan().EndsWith(" (deleted)"u8))
        {
            record.Notes.Add($"the exe link ends in \" (deleted)\" but the file still has {stat.LinkCount} name(s): one name was removed while others remain, or it is literally named so");
        }
        string description = $"{dir.Path}/exe" + (record.ExeTarget is { } t ? " → " + EvidenceJson.Printable(t) : "");

        if (_options.MaxFileSize is long max && stat.Size > max && _options.Oversize == OversizePolicy.Skip)
        {
            fd.Dispose();
            var skipped = new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = ItemName(record.Pid, "exe"),
                Source = new EvidenceSource { Description = description },
                Metadata = stat.ToMetadata(),
                Status = EntryStatus.Skipped,
                Reason = $"larger than --max-file-size: {stat.Size} > {max} bytes",
            };
            Note(record, "exe", await _sink.AddAsync(skipped, cancellationToken).ConfigureAwait(false));
            return;
        }
        // The same executable already stored in this run — fifty workers of one server, every
        // shell of a container, one image's binaries in fifty containers — is stored once.
        string? sameAs = null;
        var stored = _executables.SameInode(stat);
        if (stored is not null)
        {
            sameAs = "same device, inode, size, mtime and ctime";
        }
        else if (_executables.Candidate(stat) is { } candidate && Sha256Of(fd, stat.Size) == candidate.Sha256)
        {
            stored = candidate;
            sameAs = "same inode number, size, mtime and ctime through another overlay mount, and the same content, hashed now";
        }
        if (stored is not null)
        {
            fd.Dispose();
            record.ExeSha256 = stored.Sha256;
            record.ExeStoredAs = stored.ArchivePath;
            var same = new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = ItemName(record.Pid, "exe"),
                Source = new EvidenceSource { Description = description },
                Metadata = stat.ToMetadata(),
                Status = EntryStatus.Skipped,
                Reason = $"already stored as {stored.ArchivePath} ({sameAs}; sha256 {stored.Sha256})",
            };
            Note(record, "exe", await _sink.AddAsync(same, cancellationToken).ConfigureAwait(false), expected: true);
            return;
        }
        var result = await _sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Volatile,
            Name = ItemName(record.Pid, "exe"),
            Source = new EvidenceSource { Description = description },
            Metadata = stat.ToMetadata(),
            Content = new DescriptorContent(fd, stat, _options.MaxFileSize),
        }, cancellationToken).ConfigureAwait(false);
        Note(record, "exe", result);
        if (result.Sha256 is { } sha && result.Status == EntryStatus.Collected)
        {
            record.ExeSha256 = sha;
            _executables.Add(stat, new StoredExecutable(result.Path.Value, sha));
        }
        else if (result.Sha256 is null && result.Status == EntryStatus.Collected)
        {
            // The archive writer stored it as a hard link to an earlier name of the inode (a
            // file with several links, met before in another form): no digest of its own.
            record.Notes.Add("executable stored by the archive as a hard link to an earlier copy of the same inode");
        }
    }

    /// <summary>
    /// The sha256 of the first <paramref name="length"/> bytes, by pread (the copy that may
    /// follow reads by offset too); null when they cannot all be read.
    /// </summary>
    private static string? Sha256Of(FileDescriptor fd, long length)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var lease = fd.Borrow();
            for (long offset = 0; offset < length;)
            {
                long n = Native.Pread(lease.Fd, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - offset)), offset);
                if (n <= 0)
                {
                    return null;
                }
                sha.AppendData(buffer, 0, (int)n);
                offset += n;
            }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Note(ProcessRecord record, string name, EntryResult result, bool expected = false)
    {
        if (result.Status != EntryStatus.Collected && !expected)
        {
            record.Items[name] = result.Status.ToString().ToLowerInvariant() + (result.Reason is null ? "" : ": " + result.Reason);
        }
    }

    /// <summary>
    /// A record-only item for what could not be read. ENOENT/ESRCH mean the process (or that
    /// descriptor) went away: Missing; anything else (EACCES under a restrictive LSM, ...) Failed.
    /// </summary>
    private static EvidenceItem FailedItem(int pid, string name, string what, int errno, EntryKind kind, ProcessRecord? record = null, ProcessDirectory? dir = null)
    {
        bool gone = errno is UnixError.ENOENT or Esrch || (dir?.IsExiting() ?? false);
        string reason = gone
            ? (record?.Stat?.State == 'Z' ? $"{what}: the process is a zombie" : $"{what}: the process (or this entry) went away: {UnixError.Describe(errno)}")
            : $"{what}: {UnixError.Describe(errno)}";
        return new EvidenceItem
        {
            Section = EvidenceSection.Volatile,
            Name = name.Length == 0 ? ItemName(pid, "").TrimEnd('/') : ItemName(pid, name),
            Source = new EvidenceSource { Description = $"/proc/{pid}/{name}" },
            Metadata = new EntryMetadata { Kind = kind },
            Status = gone ? EntryStatus.Missing : EntryStatus.Failed,
            Reason = reason,
            Errno = errno,
        };
    }

    public static string ItemName(int pid, string name) => "processes/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + name;

    /// <summary>cmdline: arguments each ended by NUL; a process that rewrote its argv area may leave the last one unterminated.</summary>
    internal static (List<byte[]> Argv, bool Unterminated) SplitArgv(ReadOnlySpan<byte> bytes)
    {
        var argv = new List<byte[]>();
        bool unterminated = bytes.Length > 0 && bytes[^1] != 0;
        while (!bytes.IsEmpty)
        {
            int nul = bytes.IndexOf((byte)0);
            if (nul < 0)
            {
                argv.Add(bytes.ToArray());
                break;
            }
            argv.Add(bytes[..nul].ToArray());
            bytes = bytes[(nul + 1)..];
        }
        return (argv, unterminated);
    }

    private static List<byte[]> SplitLines(ReadOnlySpan<byte> bytes)
    {
        var lines = new List<byte[]>();
        while (!bytes.IsEmpty)
        {
            int nl = bytes.IndexOf((byte)'\n');
            lines.Add((nl < 0 ? bytes : bytes[..nl]).ToArray());
            bytes = nl < 0 ? [] : bytes[(nl + 1)..];
        }
        return lines;
    }

    private static int ParseNumber(byte[] name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1;
}
