using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;
using ContainerForensics.HostEvidence.Memory.Elf;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// A process's memory as an ELF core file (<c>--memory</c>), streamed into the archive while it
/// is read: nothing the size of a mapping is ever held in memory.
/// </summary>
public static class ProcessMemory
{
    /// <summary>A sensible per-process cap for callers without one of their own (1 GiB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>USER_HZ: the unit of the CPU times in /proc/&lt;pid&gt;/stat; 100 on x86-64 and arm64 (an ABI constant).</summary>
    private const long UserHz = 100;

    /// <summary>How many left-out mappings the reason names before it only counts them.</summary>
    private const int NamedInReason = 8;

    /// <summary>
    /// Builds the evidence item for the memory of process <paramref name="pid"/> (a pid of the
    /// host's /proc): section <see cref="EvidenceSection.Volatile"/>, name
    /// <c>processes/&lt;pid&gt;/core</c>, content an ELF64 ET_CORE file produced on the fly.
    /// <para>
    /// The mappings are read once, from /proc/&lt;pid&gt;/smaps (maps when smaps is missing), when
    /// this is called; the core's length — headers, notes and every dumped mapping — is fixed
    /// then. The bytes are read later, as the archive writer pulls them, with pread(2) of
    /// /proc/&lt;pid&gt;/mem at each mapping's addresses. The process is never ptrace-attached,
    /// stopped or signalled: it keeps running, so the dump is not an atomic snapshot, and its
    /// registers cannot be read (that would need ptrace and would change the process).
    /// NT_PRSTATUS therefore has zeroed registers, except the syscall number and arguments, stack
    /// pointer and program counter of threads blocked in a system call, as
    /// /proc/&lt;tid&gt;/syscall reports them. The other notes are NT_PRPSINFO (pid, parents,
    /// uid, gid, state, comm, psargs from cmdline), NT_AUXV and NT_FILE (the file-backed
    /// mappings, so <c>gdb -c</c> names them). Pids and ids are as the host sees them.
    /// </para>
    /// <para>
    /// Left out: mappings without read permission, [vvar], [vvar_vclock] and [vsyscall], and
    /// device memory (VM_IO/VM_PFNMAP, or a mapped character or block device), which is never
    /// read. With <paramref name="maxBytes"/>, mappings are taken in address order while the core
    /// stays within it; those that do not fit are named in the reason and the item is
    /// <see cref="EntryStatus.Truncated"/> (the core still opens: it has only the PT_LOADs it holds).
    /// A mapping that cannot be read throws for that block, so the writer zero-fills and records
    /// it; a process that exits during the dump ends the content early and is reported as
    /// <see cref="EntryStatus.Partial"/> by the content's closing note.
    /// </para>
    /// </summary>
    /// <param name="pid">The process, by its pid in the host's pid namespace.</param>
    /// <param name="maxBytes">The cap on the core file's size (<c>--memory-max</c>); null for none.</param>
    public static EvidenceItem CoreDump(int pid, long? maxBytes, CancellationToken cancellationToken)
    {
        if (maxBytes is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "the memory cap cannot be negative");
        }
        cancellationToken.ThrowIfCancellationRequested();
        string name = "processes/" + pid.ToString(CultureInfo.InvariantCulture) + "/core";
        string proc = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);

        var arch = CoreArchitecture.Current;
        if (arch is null)
        {
            return Record(name, proc, EntryStatus.Skipped, $"memory dumps are written for x86-64 and arm64, not {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}");
        }
        ProcessDirectory? process = null;
        int errno = pid <= 0 ? UnixError.EINVAL : ProcessDirectory.Open("/proc", pid, out process);
        if (errno != 0)
        {
            return Gone(errno)
                ? Record(name, proc, EntryStatus.Missing, $"process {pid} is gone: {UnixError.Describe(errno)}", errno)
                : Record(name, proc, EntryStatus.Failed, $"cannot open {proc}: {UnixError.Describe(errno)}", errno);
        }
        try
        {
            var item = Build(process!, name, arch, maxBytes, cancellationToken, out bool handedOver);
            if (!handedOver)
            {
                process!.Dispose();
            }
            return item;
        }
        catch
        {
            process!.Dispose();
            throw;
        }
    }

    private static EvidenceItem Build(ProcessDirectory process, string name, CoreArchitecture arch, long? maxBytes, CancellationToken cancellationToken, out bool handedOver)
    {
        handedOver = false;
        string proc = process.Path;

        // smaps carries VmFlags (io, pf: device memory that must not be read); maps is the fallback.
        string mapsName = "smaps";
        int errno = MapsParser.Read(process, mapsName, out var maps);
        if (errno != 0 && !Gone(errno))
        {
            mapsName = "maps";
            errno = MapsParser.Read(process, mapsName, out maps);
        }
        if (errno != 0)
        {
            return Gone(errno) || !process.IsAlive()
                ? Record(name, proc, EntryStatus.Missing, $"process {process.Pid} exited before its memory map was read: {UnixError.Describe(errno)}", errno)
                : Record(name, proc, EntryStatus.Failed, $"cannot read {proc}/{mapsName}: {UnixError.Describe(errno)}", errno);
        }
        var regions = maps.Regions;
        if (regions.Count == 0)
        {
            return process.IsAlive()
                ? Record(name, proc, EntryStatus.Skipped, $"{proc}/{mapsName} lists no mappings: a kernel thread has no user memory")
                : Record(name, proc, EntryStatus.Missing, $"process {process.Pid} exited before its memory map was read");
        }
        cancellationToken.ThrowIfCancellationRequested();

        var facts = ProcessFacts.Read(process, cancellationToken);
        long pageSize = Environment.SystemPageSize;
        var notes = CoreNotes.Build(arch, facts, regions, pageSize, UserHz, out bool fileNoteOmitted);
        var plan = DumpPlan.Make(regions, r => IsDeviceFile(process, r), maxBytes, notes.Length, pageSize);
        var image = ElfCoreImage.Build(arch.Machine, notes, plan.Dumped, pageSize);
        cancellationToken.ThrowIfCancellationRequested();

        errno = ProcMemFile.Open(process, out var memory);
        if (errno != 0)
        {
            return Gone(errno) || !process.IsAlive()
                ? Record(name, proc, EntryStatus.Missing, $"process {process.Pid} exited before its memory was opened: {UnixError.Describe(errno)}", errno)
                : Record(name, proc, EntryStatus.Failed, $"cannot open {proc}/mem: {UnixError.Describe(errno)}", errno);
        }
        handedOver = true;

        var overCap = plan.OverCap.ToList();
        string? reason = null;
        var status = EntryStatus.Collected;
        if (overCap.Count > 0)
        {
            status = EntryStatus.Truncated;
            long notDumped = overCap.Sum(r => (long)Math.Min(r.Size, long.MaxValue));
            var named = string.Join(", ", overCap.Take(NamedInReason).Select(r => r.ToString()));
            string more = overCap.Count > NamedInReason ? $", and {overCap.Count - NamedInReason} more" : "";
            reason = $"memory cap of {maxBytes} bytes reached: {overCap.Count} regions, {notDumped} bytes not dumped ({named}{more})";
        }
        return new EvidenceItem
        {
            Section = EvidenceSection.Volatile,
            Name = name,
            Content = new CoreDumpContent(image, memory!),
            Status = status,
            Reason = reason,
            Metadata = new EntryMetadata { Kind = EntryKind.File, Size = image.Length },
            Source = new EvidenceSource { Description = Describe(proc, mapsName, arch, facts, regions, plan, image, fileNoteOmitted) },
        };
    }

    /// <summary>What was read and what was left out, for the manifest.</summary>
    private static string Describe(string proc, string mapsName, CoreArchitecture arch, ProcessFacts facts, IReadOnlyList<MemoryRegion> regions, DumpPlan plan, ElfCoreImage image, bool fileNoteOmitted)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{proc}/mem read at the addresses of {proc}/{mapsName}, as an ELF core ({arch.Name}) without ptrace: ");
        text.Append(CultureInfo.InvariantCulture, $"{plan.Dumped.Count} of {regions.Count} mappings as PT_LOADs ({image.Length - image.Prefix.Length} bytes)");
        var left = new List<string>();
        AddCount(left, plan.Count(RegionVerdict.NotReadable), "without read permission");
        AddCount(left, plan.Count(RegionVerdict.KernelPage), "kernel pages ([vvar] and the like)");
        AddCount(left, plan.Count(RegionVerdict.DeviceMemory), "device memory, never read");
        AddCount(left, plan.Count(RegionVerdict.OverCap), "over the cap");
        if (left.Count > 0)
        {
            text.Append("; left out: ").AppendJoin(", ", left);
        }
        text.Append(CultureInfo.InvariantCulture, $"; notes: NT_PRSTATUS for {Math.Max(facts.Threads.Count, 1)} thread(s) (registers zero but for the syscall, sp and pc of blocked threads), NT_PRPSINFO");
        if (facts.Auxv.Length > 0)
        {
            text.Append(", NT_AUXV");
        }
        text.Append(fileNoteOmitted ? " (NT_FILE left out: too large)" : ", NT_FILE");
        return text.ToString();
    }

    private static void AddCount(List<string> parts, int count, string what)
    {
        if (count > 0)
        {
            parts.Add(count.ToString(CultureInfo.InvariantCulture) + " " + what);
        }
    }

    /// <summary>
    /// Whether a file-backed mapping maps a character or block device: reading those through
    /// /proc/&lt;pid&gt;/mem goes to the driver. /dev/zero (1:5) is anonymous memory and is dumped.
    /// The file is stat'ed through map_files, so a device node renamed or bind-mounted elsewhere
    /// in the container is still recognised; by name only when map_files cannot be read.
    /// </summary>
    private static bool IsDeviceFile(ProcessDirectory process, MemoryRegion region)
    {
        var st = process.StatFollow("map_files/" + region.MapFilesName, out _);
        if (st is not null && (st.Mode & Native.S_IFMT) != 0)  // no type bits: statx did not report STATX_TYPE
        {
            uint type = st.Mode & Native.S_IFMT;
            return type == Native.S_IFBLK || (type == Native.S_IFCHR && !(st.RdevMajor == 1 && st.RdevMinor == 5));
        }
        var path = region.Path.AsSpan();
        return path.StartsWith("/dev/"u8) && !path.StartsWith("/dev/shm/"u8) && !path.StartsWith("/dev/zero"u8);
    }

    private static bool Gone(int errno) => errno is UnixError.ENOENT or UnixError.ESRCH;

    private static EvidenceItem Record(string name, string proc, EntryStatus status, string reason, int? errno = null) => new()
    {
        Section = EvidenceSection.Volatile,
        Name = name,
        Status = status,
        Reason = reason,
        Errno = errno,
        Metadata = new EntryMetadata { Kind = EntryKind.File },
        Source = new EvidenceSource { Description = proc + "/mem as an ELF core" },
    };
}
