using System.Runtime.InteropServices;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Core.Tests.FileSystem;

public sealed class FileStatTests
{
    [Fact]
    public void Statx_buffer_has_the_kernel_layout()
    {
        // include/uapi/linux/stat.h, checked against offsetof() with gcc on x86-64; the same on every architecture.
        Assert.Equal(256, Marshal.SizeOf<Native.StatxBuffer>());
        Assert.Equal(28, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.Mode)));
        Assert.Equal(32, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.Inode)));
        Assert.Equal(64, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.AccessTime)));
        Assert.Equal(80, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.BirthTime)));
        Assert.Equal(96, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.ChangeTime)));
        Assert.Equal(112, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.ModifyTime)));
        Assert.Equal(128, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.RdevMajor)));
        Assert.Equal(136, (int)Marshal.OffsetOf<Native.StatxBuffer>(nameof(Native.StatxBuffer.DevMajor)));
    }

    [Theory]
    [InlineData(0u, 0u, 0UL)]
    [InlineData(8u, 1u, 0x801UL)]
    [InlineData(254u, 0u, 65024UL)]
    [InlineData(0x1234u, 0x56789u, 0x0000_1000_5672_3489UL)]
    public void MakeDev_matches_glibc(uint major, uint minor, ulong dev) => Assert.Equal(dev, FileStat.MakeDev(major, minor));

    [Theory]
    [InlineData(0xC1EDu, 0u, 0u, EntryKind.Socket)]
    [InlineData(0xA1FFu, 0u, 0u, EntryKind.Symlink)]
    [InlineData(0x81A4u, 0u, 0u, EntryKind.File)]
    [InlineData(0x61B0u, 8u, 0u, EntryKind.BlockDevice)]
    [InlineData(0x41EDu, 0u, 0u, EntryKind.Directory)]
    [InlineData(0x21B6u, 1u, 3u, EntryKind.CharDevice)]
    [InlineData(0x2000u, 0u, 0u, EntryKind.Whiteout)]
    [InlineData(0x11A4u, 0u, 0u, EntryKind.Fifo)]
    public void Kind_comes_from_the_file_type_bits(uint mode, uint rdevMajor, uint rdevMinor, EntryKind kind) =>
        Assert.Equal(kind, FileStat.KindOf(mode, rdevMajor, rdevMinor));

    [Fact]
    public void Metadata_keeps_permissions_and_special_bits_only()
    {
        var stat = new FileStat
        {
            Kind = EntryKind.CharDevice, Mode = 0x2000u | 0xDB6u /* 06666 */, Uid = 1, Gid = 2, Size = 0, Blocks = 0, LinkCount = 1,
            Inode = 7, DeviceMajor = 254, DeviceMinor = 1, RdevMajor = 1, RdevMinor = 5,
        };
        var m = stat.ToMetadata();
        Assert.Equal(0xDB6u, m.Mode);
        Assert.Equal((1u, 5u), (m.DeviceMajor!.Value, m.DeviceMinor!.Value));
        Assert.Equal(FileStat.MakeDev(254, 1), m.SourceDevice);
        Assert.Null(m.UserName);
        Assert.Null(m.BirthTime);
        Assert.Empty(m.ExtendedAttributes);
    }
}
