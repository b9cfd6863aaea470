namespace ContainerForensics.Tar;

/// <summary>
/// The kinds of entry a tar archive can hold, one per ustar typeflag we write
/// (POSIX.1-2001 pax, "ustar Interchange Format": '0' regular, '1' link, '2' symlink,
/// '3' character special, '4' block special, '5' directory, '6' FIFO).
/// </summary>
public enum TarEntryType
{
    Regular,
    HardLink,
    Symlink,
    CharDevice,
    BlockDevice,
    Directory,
    Fifo,
}
