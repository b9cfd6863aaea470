using System.Globalization;
using System.Runtime.InteropServices;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// The errno values the capture tells apart, and their description for reasons in the
/// manifest ("ELOOP (Too many levels of symbolic links)"). The numbers are those of
/// asm-generic/errno-base.h and errno.h, shared by x86-64, arm64 and the other supported targets.
/// </summary>
public static class UnixError
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;  // the process behind a /proc descriptor has been reaped
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ETXTBSY = 26;
    public const int EFBIG = 27;
    public const int ESPIPE = 29;
    public const int ERANGE = 34;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int ENODATA = 61;
    public const int EOVERFLOW = 75;
    public const int EOPNOTSUPP = 95;
    public const int ESTALE = 116;

    /// <summary>The symbolic name, or "errno N" for one not in the table.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        ENODEV => "ENODEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        ETXTBSY => "ETXTBSY",
        EFBIG => "EFBIG",
        ESPIPE => "ESPIPE",
        ERANGE => "ERANGE",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENOSYS => "ENOSYS",
        ELOOP => "ELOOP",
        ENODATA => "ENODATA",
        EOVERFLOW => "EOVERFLOW",
        EOPNOTSUPP => "EOPNOTSUPP",
        ESTALE => "ESTALE",
        _ => "errno " + errno.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>"ENOENT (No such file or directory)": the name to grep for and strerror(3) for a person.</summary>
    public static string Describe(int errno) => $"{Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";

    /// <summary>
    /// An <see cref="IOException"/> whose HResult is the errno, the convention .NET itself uses
    /// for I/O errors on Unix, so a caller handles ours and the runtime's the same way.
    /// </summary>
    public static IOException ToIOException(int errno, string what) => new($"{what}: {Describe(errno)}", errno);
}
