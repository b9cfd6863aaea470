namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// Which mappings become PT_LOADs. Readable mappings are taken in address order; [vvar],
/// [vvar_vclock] and [vsyscall], unreadable mappings and device memory are left out by rule. A
/// cap bounds the whole core file (headers and notes included): a mapping that would take the
/// file past it is left out and the next ones are still tried, so one huge reservation early
/// in the address space does not cost the stack and the libraries after it.
/// MADV_DONTDUMP mappings (VmFlags dd), which the kernel's own core dumps skip, are dumped:
/// hiding memory from core dumps is something an intruder may do.
/// </summary>
internal sealed class DumpPlan
{
    private DumpPlan(IReadOnlyList<MemoryRegion> dumped, IReadOnlyList<(MemoryRegion Region, RegionVerdict Verdict)> left)
    {
        Dumped = dumped;
        LeftOut = left;
    }

    /// <summary>The PT_LOADs, in address order.</summary>
    public IReadOnlyList<MemoryRegion> Dumped { get; }

    /// <summary>Every mapping not dumped, with the reason, in address order.</summary>
    public IReadOnlyList<(MemoryRegion Region, RegionVerdict Verdict)> LeftOut { get; }

    public IEnumerable<MemoryRegion> OverCap => LeftOut.Where(l => l.Verdict == RegionVerdict.OverCap).Select(l => l.Region);

    public int Count(RegionVerdict verdict) => LeftOut.Count(l => l.Verdict == verdict);

    /// <param name="regions">The mappings, as read from smaps or maps.</param>
    /// <param name="isDeviceFile">Whether a file-backed mapping maps a character or block device.</param>
    /// <param name="maxBytes">The cap on the core file's size; null for none.</param>
    /// <param name="notesLength">The size of the PT_NOTE segment, which the cap counts.</param>
    public static DumpPlan Make(IReadOnlyList<MemoryRegion> regions, Func<MemoryRegion, bool> isDeviceFile, long? maxBytes, long notesLength, long pageSize)
    {
        var verdicts = new RegionVerdict[regions.Count];
        var candidates = new List<int>();
        for (int i = 0; i < regions.Count; i++)
        {
            verdicts[i] = ByRule(regions[i], isDeviceFile);
            if (verdicts[i] == RegionVerdict.Dumped)
            {
                candidates.Add(i);
            }
        }
        if (maxBytes is long cap)
        {
            // The prefix is counted as if every candidate were dumped: fewer PT_LOADs only make it smaller.
            long budget = cap - Elf.ElfCoreImage.PrefixSize(candidates.Count, notesLength, pageSize);
            foreach (int i in candidates)
            {
                long size = (long)Math.Min(regions[i].Size, long.MaxValue);
                if (size <= budget)
                {
                    budget -= size;
                }
                else
                {
                    verdicts[i] = RegionVerdict.OverCap;
                }
            }
        }
        var dumped = new List<MemoryRegion>();
        var left = new List<(MemoryRegion, RegionVerdict)>();
        for (int i = 0; i < regions.Count; i++)
        {
            if (verdicts[i] == RegionVerdict.Dumped)
            {
                dumped.Add(regions[i]);
            }
            else
            {
                left.Add((regions[i], verdicts[i]));
            }
        }
        return new DumpPlan(dumped, left);
    }

    public static RegionVerdict ByRule(MemoryRegion region, Func<MemoryRegion, bool> isDeviceFile)
    {
        if (!region.Read || region.Size == 0 || region.End > long.MaxValue)
        {
            // Addresses past 2^63 are the kernel's ([vsyscall]); pread offsets cannot reach them anyway.
            return region.Read && region.Size > 0 ? RegionVerdict.KernelPage : RegionVerdict.NotReadable;
        }
        if (region.IsNamed("[vvar]"u8) || region.IsNamed("[vvar_vclock]"u8) || region.IsNamed("[vsyscall]"u8))
        {
            return RegionVerdict.KernelPage;
        }
        if (region.HasVmFlag("io") || region.HasVmFlag("pf"))
        {
            return RegionVerdict.DeviceMemory;
        }
        if (region.IsFileBacked && isDeviceFile(region))
        {
            return RegionVerdict.DeviceMemory;
        }
        return RegionVerdict.Dumped;
    }
}
