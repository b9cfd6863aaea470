using ICSharpCode.SharpZipLib.Zip;

namespace ContainerForensics.Evidence.Reading;

/// <summary>A zip member's type, from the Unix mode cfir writes in the external attributes' high 16 bits.</summary>
internal static class ZipKinds
{
    public const string Regular = "regular";

    public static string Of(ZipEntry entry)
    {
        if (entry.IsDirectory)
        {
            return "directory";
        }
        uint type = (uint)(entry.ExternalFileAttributes >> 16) & 0xF000;
        return type switch
        {
            0xA000 => "symlink",
            0x2000 => "chardevice",
            0x6000 => "blockdevice",
            0x1000 => "fifo",
            _ => Regular,
        };
    }
}
