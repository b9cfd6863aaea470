using System.Buffers.Binary;

namespace ContainerForensics.HostEvidence.Memory.Elf;

/// <summary>
/// Lays out ELF notes (Elf64_Nhdr: namesz, descsz, type, then the name and the descriptor, each
/// padded to 4 bytes, as Linux writes them in core files; elf(5) "Notes").
/// </summary>
internal sealed class ElfNoteBuilder
{
    private readonly MemoryStream _notes = new();

    public int Count { get; private set; }

    public long Length => _notes.Length;

    public void Add(string name, uint type, ReadOnlySpan<byte> descriptor)
    {
        Span<byte> header = stackalloc byte[12];
        int nameSize = name.Length + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)nameSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)descriptor.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], type);
        _notes.Write(header);
        foreach (char c in name)
        {
            _notes.WriteByte(checked((byte)c));
        }
        _notes.WriteByte(0);
        Pad(nameSize);
        _notes.Write(descriptor);
        Pad(descriptor.Length);
        Count++;
    }

    public byte[] ToArray() => _notes.ToArray();

    private void Pad(int written)
    {
        for (int i = written; i % 4 != 0; i++)
        {
            _notes.WriteByte(0);
        }
    }
}
