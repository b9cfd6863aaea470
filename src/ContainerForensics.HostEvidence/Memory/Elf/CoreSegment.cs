namespace ContainerForensics.HostEvidence.Memory.Elf;

/// <summary>One PT_LOAD of the core: a mapping's bytes at <see cref="FileOffset"/>, read from <see cref="Address"/>.</summary>
internal readonly record struct CoreSegment(long FileOffset, ulong Address, long Size, uint Flags)
{
    public const uint PF_X = 1;
    public const uint PF_W = 2;
    public const uint PF_R = 4;

    public long FileEnd => FileOffset + Size;

    public static uint FlagsOf(MemoryRegion region) =>
        (region.Read ? PF_R : 0) | (region.Write ? PF_W : 0) | (region.Execute ? PF_X : 0);
}
