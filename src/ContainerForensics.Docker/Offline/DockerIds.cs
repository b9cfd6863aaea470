using System.Text;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// What Docker's own names in its data root look like, checked before any of them becomes part
/// of a path: the image is the attacker's, and a directory named "..", a mount-id file saying
/// "../../etc" or a link pointing at "/" must be refused with a record, not followed. Each check
/// is exactly the shape moby writes (random 256-bit ids in hex, base32 link names).
/// </summary>
internal static class DockerIds
{
    /// <summary>A container, layer cache or chain id: 64 lower-case hex digits.</summary>
    public static bool IsHex64(ReadOnlySpan<char> id) => id.Length == 64 && IsLowerHex(id);

    /// <summary>As bytes (a directory name).</summary>
    public static bool IsHex64(ReadOnlySpan<byte> id)
    {
        if (id.Length != 64)
        {
            return false;
        }
        foreach (byte b in id)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>An overlay2 directory: a layer's cache id, or a container's init layer ("&lt;id&gt;-init").</summary>
    public static bool IsLayerDirectory(ReadOnlySpan<char> name) =>
        IsHex64(name) || name.Length == 69 && name.EndsWith("-init", StringComparison.Ordinal) && IsHex64(name[..64]);

    /// <summary>A short name under overlay2/l/: 26 characters of base32 (A-Z, 2-7), as overlay2 makes them to keep mount options short.</summary>
    public static bool IsShortLink(ReadOnlySpan<char> name)
    {
        if (name.Length != 26)
        {
            return false;
        }
        foreach (char c in name)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '2' and <= '7')))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>"sha256:&lt;64 hex&gt;" (image ids, chain ids in parent files): the hex part, or null.</summary>
    public static string? Sha256Hex(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith("sha256:", StringComparison.Ordinal) && IsHex64(digest.AsSpan(7)) ? digest[7..] : null;

    /// <summary>A volume name as Docker allows it ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255): never ".." nor a slash.</summary>
    public static bool IsVolumeName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 255 || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A small file Docker writes with one id in it (mount-id, cache-id, parent): its text, trimmed of a final newline.</summary>
    public static string OneLine(byte[] bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\n', '\r', ' ');

    /// <summary>For messages: an untrusted value, cut short and with control characters shown.</summary>
    public static string Show(string value)
    {
        var sb = new StringBuilder();
        foreach (char c in value.Length > 80 ? value[..80] : value)
        {
            sb.Append(char.IsControl(c) ? '?' : c);
        }
        return value.Length > 80 ? sb + "..." : sb.ToString();
    }

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }
}
