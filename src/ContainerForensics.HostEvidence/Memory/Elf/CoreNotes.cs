using System.Buffers.Binary;

namespace ContainerForensics.HostEvidence.Memory.Elf;

/// <summary>
/// The PT_NOTE segment of the core, in the order Linux writes it (fs/binfmt_elf.c,
/// write_note_info): the main thread's NT_PRSTATUS, then NT_PRPSINFO, NT_AUXV and NT_FILE,
/// then NT_PRSTATUS of every other thread. Layouts follow include/linux/elfcore.h for LP64
/// little-endian targets. No NT_FPREGSET or NT_X86_XSTATE: registers need ptrace, which this
/// dump never uses; NT_PRSTATUS carries only what /proc/&lt;tid&gt;/syscall tells.
/// </summary>
internal static class CoreNotes
{
    public const uint NT_PRSTATUS = 1;
    public const uint NT_PRPSINFO = 3;
    public const uint NT_AUXV = 6;

    /// <summary>"FILE": the file-backed mappings (include/uapi/linux/elf.h).</summary>
    public const uint NT_FILE = 0x46494c45;

    public const int PrPsInfoSize = 136;

    /// <summary>ELF_PRARGSZ: how much of the command line psargs holds, with its NUL.</summary>
    public const int PsArgsSize = 80;

    /// <summary>
    /// Like the kernel's core_file_note_size_limit (4 MiB by default), but larger: an NT_FILE
    /// that would pass it is left out rather than holding hundreds of megabytes of paths.
    /// </summary>
    public const long MaxFileNoteSize = 64L << 20;

    /// <summary>Builds the notes; <paramref name="fileNoteOmitted"/> says when NT_FILE was too large to write.</summary>
    public static byte[] Build(CoreArchitecture arch, ProcessFacts process, IReadOnlyList<MemoryRegion> mappings, long pageSize, long clockTicksPerSecond, out bool fileNoteOmitted)
    {
        var notes = new ElfNoteBuilder();
        var threads = process.Threads.Count > 0 ? process.Threads : [new ThreadFacts { Tid = process.Pid }];
        notes.Add("CORE", NT_PRSTATUS, PrStatus(arch, process, threads[0], clockTicksPerSecond));
        notes.Add("CORE", NT_PRPSINFO, PrPsInfo(process));
        if (process.Auxv.Length > 0)
        {
            notes.Add("CORE", NT_AUXV, process.Auxv);
        }
        var file = FileNote(mappings, pageSize);
        fileNoteOmitted = file is null;
        if (file is not null)
        {
            notes.Add("CORE", NT_FILE, file);
        }
        for (int i = 1; i < threads.Count; i++)
        {
            notes.Add("CORE", NT_PRSTATUS, PrStatus(arch, process, threads[i], clockTicksPerSecond));
        }
        return notes.ToArray();
    }

    /// <summary>
    /// struct elf_prstatus: pr_info (12), pr_cursig (2, padded to 16), pr_sigpend, pr_sighold,
    /// pr_pid, pr_ppid, pr_pgrp, pr_sid, four struct timevals (16 each), then pr_reg at 112 and
    /// pr_fpvalid. No signal caused this dump, so pr_info and pr_cursig stay zero.
    /// </summary>
    public static byte[] PrStatus(CoreArchitecture arch, ProcessFacts process, ThreadFacts thread, long clockTicksPerSecond)
    {
        var d = new byte[arch.PrStatusSize];
        var s = d.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], thread.PendingSignals);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], thread.BlockedSignals);
        BinaryPrimitives.WriteInt32LittleEndian(s[32..], thread.Tid);
        BinaryPrimitives.WriteInt32LittleEndian(s[36..], thread.ParentPid != 0 ? thread.ParentPid : process.ParentPid);
        BinaryPrimitives.WriteInt32LittleEndian(s[40..], thread.ProcessGroup != 0 ? thread.ProcessGroup : process.ProcessGroup);
        BinaryPrimitives.WriteInt32LittleEndian(s[44..], thread.Session != 0 ? thread.Session : process.Session);
        TimeVal(s[48..], thread.Times.UserTicks, clockTicksPerSecond);
        TimeVal(s[64..], thread.Times.SystemTicks, clockTicksPerSecond);
        TimeVal(s[80..], process.ChildrenTimes.UserTicks, clockTicksPerSecond);
        TimeVal(s[96..], process.ChildrenTimes.SystemTicks, clockTicksPerSecond);
        if (thread.Syscall is { } call)
        {
            var regs = s.Slice(CoreArchitecture.RegistersOffset, arch.RegisterCount * 8);
            if (call.Number >= 0)
            {
                BinaryPrimitives.WriteInt64LittleEndian(regs[(arch.SyscallNumberRegister * 8)..], call.Number);
                for (int i = 0; i < call.Arguments.Count && i < arch.ArgumentRegisters.Count; i++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(regs[(arch.ArgumentRegisters[i] * 8)..], call.Arguments[i]);
                }
            }
            BinaryPrimitives.WriteUInt64LittleEndian(regs[(arch.StackPointerRegister * 8)..], call.StackPointer);
            BinaryPrimitives.WriteUInt64LittleEndian(regs[(arch.ProgramCounterRegister * 8)..], call.ProgramCounter);
        }
        // pr_fpvalid stays 0: no floating-point registers are written.
        return d;
    }

    /// <summary>
    /// struct elf_prpsinfo: pr_state, pr_sname, pr_zomb, pr_nice (chars), pr_flag at 8,
    /// pr_uid and pr_gid (32-bit) at 16, pr_pid, pr_ppid, pr_pgrp, pr_sid at 24, pr_fname[16]
    /// at 40, pr_psargs[80] at 56; 136 bytes. psargs is the command line with its NULs turned
    /// into spaces, cut to 79 bytes, as fill_psinfo does.
    /// </summary>
    public static byte[] PrPsInfo(ProcessFacts process)
    {
        var d = new byte[PrPsInfoSize];
        var s = d.AsSpan();
        char state = process.State;
        int index = "RSDTZW".IndexOf(char.ToUpperInvariant(state), StringComparison.Ordinal);
        d[0] = (byte)(state == 'I' ? 2 : Math.Max(index, 0));
        d[1] = state < 128 ? (byte)state : (byte)'.';
        d[2] = (byte)(state == 'Z' ? 1 : 0);
        d[3] = unchecked((byte)(sbyte)Math.Clamp(process.Nice, sbyte.MinValue, sbyte.MaxValue));
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], process.Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], process.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], process.Gid);
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], process.Pid);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], process.ParentPid);
        BinaryPrimitives.WriteInt32LittleEndian(s[32..], process.ProcessGroup);
        BinaryPrimitives.WriteInt32LittleEndian(s[36..], process.Session);
        var fname = process.Command.AsSpan();
        int nul = fname.IndexOf((byte)0);
        fname = fname[..Math.Min(nul < 0 ? fname.Length : nul, 15)];
        fname.CopyTo(s[40..]);
        var args = process.Cmdline.AsSpan();
        args = args[..Math.Min(args.Length, PsArgsSize - 1)];
        var psargs = s.Slice(56, PsArgsSize);
        args.CopyTo(psargs);
        for (int i = 0; i < args.Length; i++)
        {
            if (psargs[i] == 0)
            {
                psargs[i] = (byte)' ';
            }
        }
        return d;
    }

    /// <summary>
    /// NT_FILE (fill_files_note): count and page size, then start, end and file offset in pages
    /// of every file-backed mapping, then their names, each ending in a NUL. Null when larger
    /// than <see cref="MaxFileNoteSize"/>.
    /// </summary>
    public static byte[]? FileNote(IReadOnlyList<MemoryRegion> mappings, long pageSize)
    {
        var files = mappings.Where(m => m.IsFileBacked).ToList();
        long size = 16 + (24L * files.Count) + files.Sum(f => (long)f.Path.Length + 1);
        if (size > MaxFileNoteSize)
        {
            return null;
        }
        var d = new byte[size];
        var s = d.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s, (ulong)files.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], (ulong)pageSize);
        int at = 16;
        foreach (var f in files)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[at..], f.Start);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(at + 8)..], f.End);
            BinaryPrimitives.WriteUInt64LittleEndian(s[(at + 16)..], f.FileOffset / (ulong)pageSize);
            at += 24;
        }
        foreach (var f in files)
        {
            // A name holding a NUL cannot come from maps; if it did, it would split the list.
            f.Path.AsSpan().CopyTo(s[at..]);
            at += f.Path.Length + 1;
        }
        return d;
    }

    private static void TimeVal(Span<byte> at, ulong ticks, long ticksPerSecond)
    {
        ulong perSecond = (ulong)Math.Max(ticksPerSecond, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(at, ticks / perSecond);
        BinaryPrimitives.WriteUInt64LittleEndian(at[8..], ticks % perSecond * 1_000_000 / perSecond);
    }
}
