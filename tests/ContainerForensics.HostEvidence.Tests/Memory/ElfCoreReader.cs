using System.Buffers.Binary;
using System.Text;

namespace ContainerForensics.HostEvidence.Tests.Memory;

/// <summary>
/// A minimal reader of ELF64 little-endian core files for the tests, written from elf(5)
/// independently of the writer: the header, the program headers (with PN_XNUM) and the notes.
/// </summary>
internal sealed class ElfCoreReader
{
    internal sealed record ProgramHeader(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Align);

    internal sealed record Note(string Name, uint Type, byte[] Descriptor);

    public required ushort Type { get; init; }

    public required ushort Machine { get; init; }

    public required IReadOnlyList<ProgramHeader> ProgramHeaders { get; init; }

    public required IReadOnlyList<Note> Notes { get; init; }

    public IEnumerable<ProgramHeader> Loads => ProgramHeaders.Where(p => p.Type == 1);

    public static ElfCoreReader Read(string path)
    {
        using var file = File.OpenRead(path);
        var ehdr = ReadAt(file, 0, 64);
        Assert.Equal([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1], ehdr[..7]);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(16));
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(18));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(ehdr.AsSpan(32));
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(ehdr.AsSpan(40));
        Assert.Equal(64, BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(52)));
        Assert.Equal(56, BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(54)));
        long phnum = BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(56));
        if (phnum == 0xffff)
        {
            var sh = ReadAt(file, (long)shoff, 64);
            phnum = BinaryPrimitives.ReadUInt32LittleEndian(sh.AsSpan(44));
        }
        var headers = new List<ProgramHeader>();
        var table = ReadAt(file, (long)phoff, checked((int)(phnum * 56)));
        for (int i = 0; i < phnum; i++)
        {
            var p = table.AsSpan(i * 56, 56);
            headers.Add(new ProgramHeader(
                BinaryPrimitives.ReadUInt32LittleEndian(p),
                BinaryPrimitives.ReadUInt32LittleEndian(p[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[32..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[40..]),
                BinaryPrimitives.ReadUInt64LittleEndian(p[48..])));
        }
        var notes = new List<Note>();
        foreach (var n in headers.Where(h => h.Type == 4))
        {
            var data = ReadAt(file, (long)n.Offset, checked((int)n.FileSize));
            int at = 0;
            while (at + 12 <= data.Length)
            {
                int namesz = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at));
                int descsz = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 4));
                uint ntype = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 8));
                at += 12;
                string name = Encoding.ASCII.GetString(data, at, Math.Max(namesz - 1, 0));
                at += (namesz + 3) & ~3;
                notes.Add(new Note(name, ntype, data.AsSpan(at, descsz).ToArray()));
                at += (descsz + 3) & ~3;
            }
            Assert.Equal(data.Length, at);
        }
        return new ElfCoreReader { Type = type, Machine = machine, ProgramHeaders = headers, Notes = notes };
    }

    /// <summary>The file offset of a virtual address inside one of the PT_LOADs, or null.</summary>
    public long? FileOffsetOf(ulong address)
    {
        var load = Loads.FirstOrDefault(l => address >= l.VirtualAddress && address < l.VirtualAddress + l.FileSize);
        return load is null ? null : (long)(load.Offset + (address - load.VirtualAddress));
    }

    private static byte[] ReadAt(FileStream file, long offset, int count)
    {
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }
}
