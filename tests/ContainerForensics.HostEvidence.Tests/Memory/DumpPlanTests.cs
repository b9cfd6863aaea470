using ContainerForensics.HostEvidence.Memory;
using ContainerForensics.HostEvidence.Memory.Elf;
using static ContainerForensics.HostEvidence.Tests.Memory.ElfCoreLayoutTests;

namespace ContainerForensics.HostEvidence.Tests.Memory;

public sealed class DumpPlanTests
{
    private const int Page = 4096;

    [Fact]
    public void Rules_leave_out_unreadable_kernel_and_device_memory_and_keep_dontdump()
    {
        var regions = new[]
        {
            Region(0x1000, 0x2000, "r--p", "/bin/app", inode: 5),
            Region(0x2000, 0x3000, "---p", ""),
            Region(0x3000, 0x4000, "r--p", "[vvar]"),
            Region(0x4000, 0x5000, "r--p", "[vvar_vclock]"),
            Region(0x5000, 0x6000, "r-xp", "[vdso]"),
            Region(0x6000, 0x7000, "rw-s", "/dev/fb0", inode: 3),
            Region(0x7000, 0x8000, "rw-s", "/renamed-device", inode: 4) with { VmFlags = ["rd", "wr", "io", "pf"] },
            Region(0x8000, 0x9000, "rw-p", "") with { VmFlags = ["rd", "wr", "dd"] },
            Region(0xffffffffff600000, 0xffffffffff601000, "r-xp", "[vsyscall]"),
        };
        var plan = DumpPlan.Make(regions, r => r.DisplayName == "/dev/fb0", maxBytes: null, notesLength: 100, Page);

        Assert.Equal([0x1000ul, 0x5000ul, 0x8000ul], plan.Dumped.Select(r => r.Start));
        Assert.Equal(1, plan.Count(RegionVerdict.NotReadable));
        Assert.Equal(3, plan.Count(RegionVerdict.KernelPage));
        Assert.Equal(2, plan.Count(RegionVerdict.DeviceMemory));
        Assert.Empty(plan.OverCap);
    }

    [Fact]
    public void The_cap_counts_headers_and_skips_what_does_not_fit_but_keeps_trying()
    {
        var regions = new[]
        {
            Region(0x10000, 0x12000, "r--p", ""),          // 2 pages
            Region(0x100000, 0x200000, "rw-p", ""),        // 256 pages: does not fit
            Region(0x7ff000, 0x800000, "rw-p", "[stack]"), // 1 page: still fits after the big one
        };
        long prefix = ElfCoreImage.PrefixSize(3, 500, Page);
        var plan = DumpPlan.Make(regions, _ => false, maxBytes: prefix + (3 * Page), notesLength: 500, Page);

        Assert.Equal([0x10000ul, 0x7ff000ul], plan.Dumped.Select(r => r.Start));
        Assert.Equal([0x100000ul], plan.OverCap.Select(r => r.Start));
        var image = ElfCoreImage.Build(62, new byte[500], plan.Dumped, Page);
        Assert.True(image.Length <= prefix + (3 * Page));

        var none = DumpPlan.Make(regions, _ => false, maxBytes: 0, notesLength: 500, Page);
        Assert.Empty(none.Dumped);
        Assert.Equal(3, none.OverCap.Count());

        var exact = DumpPlan.Make(regions, _ => false, maxBytes: prefix + (259 * Page), notesLength: 500, Page);
        Assert.Equal(3, exact.Dumped.Count);
    }
}
