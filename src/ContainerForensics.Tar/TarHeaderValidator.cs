namespace ContainerForensics.Tar;

/// <summary>
/// Refuses headers the writer could only store by guessing or dropping something: an archive of
/// evidence must not silently lose a field, so a contradiction is the caller's bug and throws
/// <see cref="ArgumentException"/> before any byte of the entry is written.
/// </summary>
internal static class TarHeaderValidator
{
    public static void Validate(TarHeader header)
    {
        var name = header.Name ?? throw new ArgumentException("Name is required.", nameof(header));
        if (name.Length == 0)
        {
            throw new ArgumentException("Name is empty.", nameof(header));
        }
        if (name[0] == (byte)'/')
        {
            throw new ArgumentException("Name must be relative (no leading '/').", nameof(header));
        }
        if (name.AsSpan().Contains((byte)0))
        {
            throw new ArgumentException("Name contains a NUL byte.", nameof(header));
        }
        if (!Enum.IsDefined(header.Type))
        {
            throw new ArgumentException($"Unknown entry type {header.Type}.", nameof(header));
        }
        if ((header.Mode & ~0xFFFu) != 0)
        {
            throw new ArgumentException($"Mode {Convert.ToString(header.Mode, 8)} has bits beyond 07777 (file-type bits belong in Type).", nameof(header));
        }
        if (header.Uid < 0 || header.Gid < 0)
        {
            throw new ArgumentException("Uid and Gid must not be negative.", nameof(header));
        }
        if (header.Size < 0)
        {
            throw new ArgumentException("Size must not be negative.", nameof(header));
        }
        if (header.Type != TarEntryType.Regular && header.Size != 0)
        {
            throw new ArgumentException($"A {header.Type} entry has no content; Size must be 0.", nameof(header));
        }
        ValidateTime(header.ModifiedTime.Nanoseconds, nameof(TarHeader.ModifiedTime));
        ValidateTime(header.AccessTime?.Nanoseconds ?? 0, nameof(TarHeader.AccessTime));
        ValidateTime(header.ChangeTime?.Nanoseconds ?? 0, nameof(TarHeader.ChangeTime));

        bool isLink = header.Type is TarEntryType.HardLink or TarEntryType.Symlink;
        if (isLink)
        {
            // A symlink whose target could not be read is still evidence: an empty target is
            // stored as such (GNU tar cannot extract it: symlink(2) refuses ""). A hard link
            // without a target means nothing.
            bool empty = header.LinkName is { Length: 0 };
            if (header.LinkName is not { } link || link.AsSpan().Contains((byte)0) || (empty && header.Type == TarEntryType.HardLink))
            {
                throw new ArgumentException($"A {header.Type} needs a LinkName without NUL bytes.", nameof(header));
            }
        }
        else if (header.LinkName is not null)
        {
            throw new ArgumentException($"A {header.Type} entry has no LinkName.", nameof(header));
        }
        bool isDevice = header.Type is TarEntryType.CharDevice or TarEntryType.BlockDevice;
        if (!isDevice && (header.DevMajor != 0 || header.DevMinor != 0))
        {
            throw new ArgumentException($"A {header.Type} entry has no device numbers.", nameof(header));
        }
        ValidateOwnerName(header.UserName, nameof(TarHeader.UserName));
        ValidateOwnerName(header.GroupName, nameof(TarHeader.GroupName));
        ValidateXattrs(header.ExtendedAttributes);
        ValidateExtras(header.ExtraRecords);
        if (header.Sparse is not null)
        {
            ValidateSparse(header);
        }
    }

    private static void ValidateTime(uint nanoseconds, string what)
    {
        if (nanoseconds >= 1_000_000_000)
        {
            throw new ArgumentException($"{what} has {nanoseconds} nanoseconds (must be below 10^9).", what);
        }
    }

    private static void ValidateOwnerName(string? name, string what)
    {
        if (name is not null && name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} contains NUL.", what);
        }
    }

    private static void ValidateXattrs(IReadOnlyList<KeyValuePair<string, byte[]>> xattrs)
    {
        ArgumentNullException.ThrowIfNull(xattrs, nameof(TarHeader.ExtendedAttributes));
        for (int i = 0; i < xattrs.Count; i++)
        {
            var (key, value) = xattrs[i];
            if (string.IsNullOrEmpty(key) || key.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("An extended attribute name is empty or contains NUL.", nameof(TarHeader.ExtendedAttributes));
            }
            if (value is null)
            {
                throw new ArgumentException($"Extended attribute '{key}' has a null value.", nameof(TarHeader.ExtendedAttributes));
            }
        }
    }

    private static void ValidateExtras(IReadOnlyList<KeyValuePair<string, string>> extras)
    {
        ArgumentNullException.ThrowIfNull(extras, nameof(TarHeader.ExtraRecords));
        for (int i = 0; i < extras.Count; i++)
        {
            var (key, value) = extras[i];
            if (string.IsNullOrEmpty(key) || key.AsSpan().IndexOfAny('=', '\0', '\n') >= 0)
            {
                throw new ArgumentException($"Pax keyword '{key}' is empty or contains '=', NUL or newline.", nameof(TarHeader.ExtraRecords));
            }
            if (PaxKeywords.IsReserved(key))
            {
                throw new ArgumentException($"Pax keyword '{key}' is set from the header's own fields.", nameof(TarHeader.ExtraRecords));
            }
            if (string.IsNullOrEmpty(value))
            {
                // POSIX pax: an empty value cancels the keyword, so it could not be read back as a value.
                throw new ArgumentException($"Pax keyword '{key}' has no value.", nameof(TarHeader.ExtraRecords));
            }
        }
    }

    private static void ValidateSparse(TarHeader header)
    {
        if (header.Type != TarEntryType.Regular)
        {
            throw new ArgumentException("Only a regular file can be sparse.", nameof(header));
        }
        var segments = header.Sparse!;
        long previousEnd = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Offset < 0 || segment.Length < 0 || segment.Offset < previousEnd
                || segment.Length > header.Size - segment.Offset)
            {
                throw new ArgumentException(
                    $"Sparse segment {i} ({segment.Offset}+{segment.Length}) is not sorted, overlaps, or lies outside [0, {header.Size}).",
                    nameof(header));
            }
            previousEnd = segment.End;
        }
    }
}
