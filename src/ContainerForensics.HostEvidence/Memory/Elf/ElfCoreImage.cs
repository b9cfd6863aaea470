using System.Buffers.Binary;

namespace ContainerForensics.HostEvidence.Memory.Elf;

/// <summary>
/// The layout of an ELF64 little-endian ET_CORE file, as Linux writes one (fs/binfmt_elf.c,
/// elf_core_dump; elf(5)): the ELF header, the program headers — one PT_NOTE, then one PT_LOAD
/// per dumped mapping in address order — the notes, and from the next page boundary the
/// mappings' bytes, each PT_LOAD page-aligned with p_filesz = p_memsz. Only the prefix (headers
/// and notes) is held in memory; the mappings are read when their offsets are asked for.
/// More than 65534 program headers use extended numbering: e_phnum = PN_XNUM and the real count
/// in sh_info of a single section header (elf(5), "e_phnum").
/// </summary>
internal sealed class ElfCoreImage
{
    public const int EhdrSize = 64;
    public const int PhdrSize = 56;
    public const int ShdrSize = 64;
    public const ushort ET_CORE = 4;
    public const uint PT_LOAD = 1;
    public const uint PT_NOTE = 4;
    public const int PN_XNUM = 0xffff;

    private ElfCoreImage(byte[] prefix, CoreSegment[] segments, long length)
    {
        Prefix = prefix;
        Segments = segments;
        Length = length;
    }

    /// <summary>Headers, notes and the padding up to the first PT_LOAD's bytes.</summary>
    public byte[] Prefix { get; }

    public IReadOnlyList<CoreSegment> Segments { get; }

    public long Length { get; }

    /// <summary>
    /// The size of the prefix for <paramref name="loadCount"/> PT_LOADs and notes of
    /// <paramref name="notesLength"/> bytes, page-aligned: what the file costs before any mapping.
    /// </summary>
    public static long PrefixSize(int loadCount, long notesLength, long pageSize)
    {
        long phnum = loadCount + 1L;
        long headers = EhdrSize + (phnum * PhdrSize) + (phnum >= PN_XNUM ? ShdrSize : 0);
        return AlignUp(headers + notesLength, pageSize);
    }

    public static ElfCoreImage Build(ushort machine, byte[] notes, IReadOnlyList<MemoryRegion> regions, long pageSize)
    {
        long phnum = regions.Count + 1L;
        bool extended = phnum >= PN_XNUM;
        long phoff = EhdrSize;
        long shoff = extended ? phoff + (phnum * PhdrSize) : 0;
        long notesOffset = phoff + (phnum * PhdrSize) + (extended ? ShdrSize : 0);
        long dataOffset = AlignUp(notesOffset + notes.Length, pageSize);

        var segments = new CoreSegment[regions.Count];
        long at = dataOffset;
        for (int i = 0; i < regions.Count; i++)
        {
            var r = regions[i];
            segments[i] = new CoreSegment(at, r.Start, checked((long)r.Size), CoreSegment.FlagsOf(r));
            at += (long)r.Size;
        }

        var prefix = new byte[checked((int)dataOffset)];
        var s = prefix.AsSpan();
        // e_ident: ELFMAG, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE (what Linux writes).
        s[0] = 0x7f;
        s[1] = (byte)'E';
        s[2] = (byte)'L';
        s[3] = (byte)'F';
        s[4] = 2;
        s[5] = 1;
        s[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], ET_CORE);
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], machine);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1); // e_version
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], 0); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], (ulong)phoff);
        BinaryPrimitives.WriteUInt64LittleEndian(s[40..], (ulong)shoff);
        BinaryPrimitives.WriteUInt32LittleEndian(s[48..], 0); // e_flags
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], EhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], PhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], (ushort)(extended ? PN_XNUM : phnum));
        BinaryPrimitives.WriteUInt16LittleEndian(s[58..], (ushort)(extended ? ShdrSize : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(s[60..], (ushort)(extended ? 1 : 0)); // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(s[62..], 0); // e_shstrndx = SHN_UNDEF

        WritePhdr(s[(int)phoff..], PT_NOTE, CoreSegment.PF_R, notesOffset, 0, notes.Length, 0, 4);
        for (int i = 0; i < segments.Length; i++)
        {
            var seg = segments[i];
            WritePhdr(s[(int)(phoff + ((i + 1L) * PhdrSize))..], PT_LOAD, seg.Flags, seg.FileOffset, seg.Address, seg.Size, seg.Size, pageSize);
        }
        if (extended)
        {
            // Section header 0 (SHT_NULL) carries the real counts, as fill_extnum_info writes it.
            var sh = s[(int)shoff..];
            BinaryPrimitives.WriteUInt64LittleEndian(sh[32..], 1);             // sh_size = e_shnum
            BinaryPrimitives.WriteUInt32LittleEndian(sh[40..], 0);             // sh_link = e_shstrndx
            BinaryPrimitives.WriteUInt32LittleEndian(sh[44..], (uint)phnum);   // sh_info = e_phnum
        }
        notes.CopyTo(s[(int)notesOffset..]);
        return new ElfCoreImage(prefix, segments, segments.Length == 0 ? dataOffset : segments[^1].FileEnd);
    }

    /// <summary>The index of the segment holding file offset <paramref name="offset"/>, or -1 (the prefix, or past the end).</summary>
    public int SegmentAt(long offset)
    {
        int lo = 0;
        int hi = Segments.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var seg = Segments[mid];
            if (offset < seg.FileOffset)
            {
                hi = mid - 1;
            }
            else if (offset >= seg.FileEnd)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }

    /// <summary>Elf64_Phdr: p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.</summary>
    private static void WritePhdr(Span<byte> at, uint type, uint flags, long offset, ulong vaddr, long fileSize, long memSize, long align)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(at, type);
        BinaryPrimitives.WriteUInt32LittleEndian(at[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(at[8..], (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(at[16..], vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(at[24..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(at[32..], (ulong)fileSize);
        BinaryPrimitives.WriteUInt64LittleEndian(at[40..], (ulong)memSize);
        BinaryPrimitives.WriteUInt64LittleEndian(at[48..], (ulong)align);
    }

    private static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;
}
