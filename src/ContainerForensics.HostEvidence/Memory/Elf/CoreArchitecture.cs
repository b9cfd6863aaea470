using System.Runtime.InteropServices;

namespace ContainerForensics.HostEvidence.Memory.Elf;

/// <summary>
/// What differs between the architectures a core is written for: the ELF machine and the layout
/// of struct elf_prstatus, whose register block (elf_gregset_t) has the architecture's size.
/// Both are LP64 little-endian, so struct elf_prpsinfo and the rest of elf_prstatus are the same
/// (include/linux/elfcore.h, include/uapi/linux/elfcore.h).
/// </summary>
internal sealed record CoreArchitecture
{
    /// <summary>e_machine.</summary>
    public required ushort Machine { get; init; }

    public required string Name { get; init; }

    /// <summary>Registers in elf_gregset_t, each 8 bytes.</summary>
    public required int RegisterCount { get; init; }

    /// <summary>Where the syscall number goes in pr_reg (orig_rax on x86-64, x8 on arm64).</summary>
    public required int SyscallNumberRegister { get; init; }

    /// <summary>Where the six syscall arguments go in pr_reg, in argument order.</summary>
    public required IReadOnlyList<int> ArgumentRegisters { get; init; }

    public required int StackPointerRegister { get; init; }

    public required int ProgramCounterRegister { get; init; }

    /// <summary>
    /// x86-64: struct user_regs_struct (arch/x86/include/asm/user_64.h) — r15 r14 r13 r12 rbp
    /// rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss fs_base gs_base ds es
    /// fs gs; a syscall's arguments are rdi rsi rdx r10 r8 r9.
    /// </summary>
    public static readonly CoreArchitecture X64 = new()
    {
        Machine = 62, // EM_X86_64
        Name = "x86-64",
        RegisterCount = 27,
        SyscallNumberRegister = 15,
        ArgumentRegisters = [14, 13, 12, 7, 9, 8],
        StackPointerRegister = 19,
        ProgramCounterRegister = 16,
    };

    /// <summary>arm64: struct user_pt_regs — x0..x30, sp, pc, pstate; arguments x0..x5, number in x8.</summary>
    public static readonly CoreArchitecture Arm64 = new()
    {
        Machine = 183, // EM_AARCH64
        Name = "arm64",
        RegisterCount = 34,
        SyscallNumberRegister = 8,
        ArgumentRegisters = [0, 1, 2, 3, 4, 5],
        StackPointerRegister = 31,
        ProgramCounterRegister = 32,
    };

    /// <summary>The architecture of this process (cfir reads processes of its own host); null where none is known.</summary>
    public static CoreArchitecture? Current => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => X64,
        Architecture.Arm64 => Arm64,
        _ => null,
    };

    /// <summary>Offset of pr_reg in elf_prstatus: elf_prstatus_common is 112 bytes on LP64.</summary>
    public const int RegistersOffset = 112;

    /// <summary>Offset of pr_fpvalid, right after the registers.</summary>
    public int FpValidOffset => RegistersOffset + (RegisterCount * 8);

    /// <summary>sizeof(struct elf_prstatus): 336 on x86-64, 392 on arm64 (pr_fpvalid padded to 8).</summary>
    public int PrStatusSize => (FpValidOffset + 4 + 7) & ~7;
}
