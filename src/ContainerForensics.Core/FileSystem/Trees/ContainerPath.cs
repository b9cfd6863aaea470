using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// Paths inside a container as bytes (Linux names are bytes: newlines, invalid UTF-8, anything
/// but NUL and '/'). Absolute, '/'-separated, no trailing slash; "/" is the root.
/// </summary>
public static class ContainerPath
{
    /// <summary>"/" followed by a path relative to the container's root (empty: the root itself).</summary>
    public static byte[] FromRelative(ReadOnlySpan<byte> relative)
    {
        var path = new byte[relative.Length + 1];
        path[0] = (byte)'/';
        relative.CopyTo(path.AsSpan(1));
        return path;
    }

    /// <summary><paramref name="directory"/> (absolute) joined with a relative path; an empty relative path is the directory.</summary>
    public static byte[] Join(ReadOnlySpan<byte> directory, ReadOnlySpan<byte> relative)
    {
        if (relative.IsEmpty)
        {
            return directory.ToArray();
        }
        if (directory.SequenceEqual("/"u8))
        {
            return FromRelative(relative);
        }
        var path = new byte[directory.Length + 1 + relative.Length];
        directory.CopyTo(path);
        path[directory.Length] = (byte)'/';
        relative.CopyTo(path.AsSpan(directory.Length + 1));
        return path;
    }

    /// <summary>"/a/b" → "/a"; "/a" → "/".</summary>
    public static byte[] Parent(ReadOnlySpan<byte> path)
    {
        int slash = path.LastIndexOf((byte)'/');
        return slash <= 0 ? "/"u8.ToArray() : path[..slash].ToArray();
    }

    /// <summary>Whether <paramref name="path"/> lies strictly below <paramref name="directory"/>.</summary>
    public static bool IsBelow(ReadOnlySpan<byte> path, ReadOnlySpan<byte> directory)
    {
        if (directory.SequenceEqual("/"u8))
        {
            return path.Length > 1 && path[0] == (byte)'/';
        }
        return path.Length > directory.Length + 1 && path.StartsWith(directory) && path[directory.Length] == (byte)'/';
    }

    /// <summary>
    /// A tar member name as engines write it ("bin/busybox", "etc/", sometimes "./etc") made
    /// relative: leading "./" and "/" and trailing "/" removed, empty for the root. The bytes in
    /// between are kept as they are; the archive layout escapes them.
    /// </summary>
    public static ReadOnlySpan<byte> RelativeFromTarName(ReadOnlySpan<byte> name)
    {
        while (true)
        {
            if (name.StartsWith("./"u8))
            {
                name = name[2..];
            }
            else if (name.StartsWith("/"u8))
            {
                name = name[1..];
            }
            else
            {
                break;
            }
        }
        if (name.SequenceEqual("."u8))
        {
            return [];
        }
        return name.TrimEnd((byte)'/');
    }

    /// <summary>An engine's answer names paths as JSON strings; as bytes they are their UTF-8.</summary>
    public static byte[] FromApi(string path) => Encoding.UTF8.GetBytes(path);

    /// <summary>For messages: the path with unsafe bytes escaped as the archive escapes them.</summary>
    public static string Show(ReadOnlySpan<byte> path)
    {
        var sb = new StringBuilder();
        foreach (var range in path.Split((byte)'/'))
        {
            if (sb.Length > 0 || range.Start.Value > 0)
            {
                sb.Append('/');
            }
            var segment = path[range];
            if (!segment.IsEmpty)
            {
                sb.Append(ArchivePath.EscapeSegment(segment));
            }
        }
        return sb.Length == 0 ? "/" : sb.ToString();
    }
}
