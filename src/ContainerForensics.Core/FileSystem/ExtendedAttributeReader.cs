using System.Buffers;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// Reads all extended attributes of one file with their raw values (listxattr(2), getxattr(2)).
/// security.capability and security.selinux are binary; trusted.overlay.* in an upper layer
/// records opaque directories and redirects, so every namespace the caller may see is kept.
/// </summary>
internal static unsafe class ExtendedAttributeReader
{
    /// <summary>XATTR_LIST_MAX and XATTR_SIZE_MAX are 64 KiB (xattr(7)); twice that stops a loop on a misbehaving filesystem.</summary>
    private const int Ceiling = 1 << 17;

    /// <summary>
    /// The attributes sorted by name bytes (the kernel's order is storage order, not stable).
    /// Names are escaped with <see cref="ArchivePath.EscapeSegment(ReadOnlySpan{byte})"/>, which
    /// leaves real names ("user.x", "security.capability") as they are and keeps odd bytes
    /// injective. A file system without xattr support gives an empty list, not a problem.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, byte[]>> Read(Native.XattrTarget how, int fd, ReadOnlySpan<byte> path, out string? problem, out int listErrno)
    {
        problem = null;
        listErrno = 0;
        Span<byte> scratch = stackalloc byte[64];
        var z = new Native.CString(path, scratch);
        byte[] list = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            fixed (byte* p = z.Value)
            {
                long n = ListAll(how, fd, p, ref list);
                if (n < 0)
                {
                    listErrno = (int)-n;
                    if (listErrno != UnixError.EOPNOTSUPP)
                    {
                        problem = "extended attributes not read: " + UnixError.Describe(listErrno);
                    }
                    return [];
                }
                if (n == 0)
                {
                    return [];  // the common case: no attributes, nothing allocated
                }
                return ReadValues(how, fd, p, list.AsSpan(0, (int)n), ref problem);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(list);
            z.Dispose();
        }
    }

    private static long ListAll(Native.XattrTarget how, int fd, byte* path, ref byte[] list)
    {
        while (true)
        {
            long n = Native.ListXattr(how, fd, path, list);
            if (n != -UnixError.ERANGE)
            {
                return n;
            }
            // More names than the buffer holds (or they were added meanwhile): ask the size, grow, retry.
            long need = Native.ListXattr(how, fd, path, Span<byte>.Empty);
            if (need < 0)
            {
                return need;
            }
            if (list.Length >= Ceiling)
            {
                return -UnixError.ERANGE;
            }
            ArrayPool<byte>.Shared.Return(list);
            list = ArrayPool<byte>.Shared.Rent((int)Math.Min(Ceiling, Math.Max(need, list.Length * 2L)));
        }
    }

    private static List<KeyValuePair<string, byte[]>> ReadValues(Native.XattrTarget how, int fd, byte* path, ReadOnlySpan<byte> names, ref string? problem)
    {
        var found = new List<(byte[] Name, byte[] Value)>();
        byte[] value = ArrayPool<byte>.Shared.Rent(512);  // labels and capabilities are tens of bytes; bigger values grow it
        byte[] nameZ = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            while (!names.IsEmpty)
            {
                int end = names.IndexOf((byte)0);
                var name = end < 0 ? names : names[..end];
                names = end < 0 ? [] : names[(end + 1)..];
                if (name.IsEmpty)
                {
                    continue;
                }
                if (nameZ.Length < name.Length + 1)
                {
                    ArrayPool<byte>.Shared.Return(nameZ);
                    nameZ = ArrayPool<byte>.Shared.Rent(name.Length + 1);
                }
                name.CopyTo(nameZ);
                nameZ[name.Length] = 0;
                long n;
                fixed (byte* nz = nameZ)
                {
                    n = GetOne(how, fd, path, nz, ref value);
                }
                if (n == -UnixError.ENODATA)
                {
                    continue;  // removed between list and get: it no longer exists
                }
                if (n < 0)
                {
                    string why = $"extended attribute '{ArchivePath.EscapeSegment(name)}' not read: {UnixError.Describe((int)-n)}";
                    problem = problem is null ? why : problem + "; " + why;
                    continue;
                }
                found.Add((name.ToArray(), value.AsSpan(0, (int)n).ToArray()));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(value);
            ArrayPool<byte>.Shared.Return(nameZ);
        }
        found.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        var result = new List<KeyValuePair<string, byte[]>>(found.Count);
        foreach (var (name, v) in found)
        {
            result.Add(new KeyValuePair<string, byte[]>(ArchivePath.EscapeSegment(name), v));
        }
        return result;
    }

    private static long GetOne(Native.XattrTarget how, int fd, byte* path, byte* name, ref byte[] value)
    {
        while (true)
        {
            long n = Native.GetXattr(how, fd, path, name, value);
            if (n != -UnixError.ERANGE)
            {
                return n;
            }
            long need = Native.GetXattr(how, fd, path, name, Span<byte>.Empty);
            if (need < 0)
            {
                return need;
            }
            if (value.Length >= Ceiling)
            {
                return -UnixError.ERANGE;
            }
            ArrayPool<byte>.Shared.Return(value);
            value = ArrayPool<byte>.Shared.Rent((int)Math.Min(Ceiling, Math.Max(need, value.Length * 2L)));
        }
    }
}
