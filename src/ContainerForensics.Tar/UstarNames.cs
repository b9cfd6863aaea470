namespace ContainerForensics.Tar;

/// <summary>
/// Names in the ustar name (100 bytes) and prefix (155 bytes) fields. A name is stored there
/// exactly only when it is ASCII and fits, whole or split at a '/' into prefix and name (POSIX pax,
/// "ustar Interchange Format": the pathname is prefix, '/', name). Otherwise a pax <c>path</c>
/// record carries it and the fields get a readable ASCII stand-in for tools that do not read pax.
/// </summary>
internal static class UstarNames
{
    /// <summary>GNU tar's default name for an 'x' block is "%d/PaxHeaders/%f" (dirname, basename).</summary>
    public static ReadOnlySpan<byte> PaxHeadersDirectory => "PaxHeaders/"u8;

    /// <summary>
    /// GNU tar names the ustar header of a sparse 1.0 file "%d/GNUSparseFile.%p/%f" so that a tar
    /// without sparse support extracts it apart from the real file; we put 0 for the process id to
    /// keep archives reproducible (the GNU manual's own example does the same).
    /// </summary>
    public static ReadOnlySpan<byte> SparseDirectory => "GNUSparseFile.0/"u8;

    /// <summary>True when the ustar fields can hold <paramref name="name"/> exactly; <paramref name="split"/> is the '/' between prefix and name, or -1.</summary>
    public static bool TryFit(ReadOnlySpan<byte> name, out int split)
    {
        split = -1;
        if (name.IndexOfAnyExceptInRange((byte)1, (byte)0x7F) >= 0)
        {
            return false;  // non-ASCII: pax says path values are UTF-8, ustar fields are portable only as ASCII
        }
        if (name.Length <= UstarBlock.NameLength)
        {
            return true;
        }
        return TryFindSplit(name, out split);
    }

    /// <summary>True for a link target the 100-byte linkname field holds exactly (ASCII, no prefix field for links).</summary>
    public static bool FitsLinkName(ReadOnlySpan<byte> link) =>
        link.Length <= UstarBlock.LinkNameLength && link.IndexOfAnyExceptInRange((byte)1, (byte)0x7F) < 0;

    /// <summary>Writes a name <see cref="TryFit"/> accepted.</summary>
    public static void Write(Span<byte> block, ReadOnlySpan<byte> name, int split)
    {
        if (split < 0)
        {
            name.CopyTo(block.Slice(UstarBlock.NameOffset, UstarBlock.NameLength));
            return;
        }
        name[..split].CopyTo(block.Slice(UstarBlock.PrefixOffset, UstarBlock.PrefixLength));
        name[(split + 1)..].CopyTo(block.Slice(UstarBlock.NameOffset, UstarBlock.NameLength));
    }

    /// <summary>The stand-in when a pax record carries the real name: non-ASCII bytes become '_', then fit or cut.</summary>
    public static void WriteFallback(Span<byte> block, ReadOnlySpan<byte> name)
    {
        Span<byte> scratch = stackalloc byte[UstarBlock.PrefixLength + 1 + UstarBlock.NameLength];
        int n = Math.Min(name.Length, scratch.Length);
        Sanitize(name[..n], scratch);
        WriteFitted(block, scratch[..n]);
    }

    /// <summary>Writes "&lt;dir&gt;/&lt;middle&gt;&lt;basename&gt;" (e.g. "./PaxHeaders/file") as an ASCII stand-in name.</summary>
    public static void WriteDerived(Span<byte> block, ReadOnlySpan<byte> name, ReadOnlySpan<byte> middle)
    {
        int end = name.Length;
        while (end > 1 && name[end - 1] == (byte)'/')
        {
            end--;  // "dir/" names the directory "dir"
        }
        var trimmed = name[..end];
        int slash = trimmed.LastIndexOf((byte)'/');
        var dir = slash >= 0 ? trimmed[..slash] : "."u8;
        var baseName = trimmed[(slash + 1)..];

        Span<byte> scratch = stackalloc byte[UstarBlock.PrefixLength + 1 + UstarBlock.NameLength];
        int dirLength = Math.Min(dir.Length, UstarBlock.PrefixLength);
        int baseLength = Math.Min(baseName.Length, UstarBlock.NameLength - middle.Length);
        int n = 0;
        Sanitize(dir[..dirLength], scratch);
        n += dirLength;
        scratch[n++] = (byte)'/';
        middle.CopyTo(scratch[n..]);
        n += middle.Length;
        Sanitize(baseName[..baseLength], scratch[n..]);
        n += baseLength;
        WriteFitted(block, scratch[..n]);
    }

    private static void WriteFitted(Span<byte> block, ReadOnlySpan<byte> asciiName)
    {
        if (asciiName.Length <= UstarBlock.NameLength)
        {
            Write(block, asciiName, -1);
        }
        else if (TryFindSplit(asciiName, out int split))
        {
            Write(block, asciiName, split);
        }
        else
        {
            Write(block, asciiName[..UstarBlock.NameLength], -1);
        }
    }

    private static bool TryFindSplit(ReadOnlySpan<byte> name, out int split)
    {
        // The name part after the '/' must be 1..100 bytes, the prefix before it at most 155.
        split = -1;
        if (name.Length > UstarBlock.PrefixLength + 1 + UstarBlock.NameLength)
        {
            return false;
        }
        int first = Math.Max(1, name.Length - 1 - UstarBlock.NameLength);
        int last = Math.Min(UstarBlock.PrefixLength, name.Length - 2);
        for (int i = first; i <= last; i++)
        {
            if (name[i] == (byte)'/')
            {
                split = i;
                return true;
            }
        }
        return false;
    }

    private static void Sanitize(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            byte b = source[i];
            destination[i] = b is 0 or >= 0x80 ? (byte)'_' : b;
        }
    }
}
