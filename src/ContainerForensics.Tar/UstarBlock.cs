using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ContainerForensics.Tar;

/// <summary>
/// The 512-byte ustar header block: field offsets, octal numbers and the checksum, as POSIX.1-2001
/// defines them (pax, "ustar Interchange Format"):
/// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06
/// </summary>
internal static class UstarBlock
{
    public const int Size = 512;

    public const int NameOffset = 0, NameLength = 100;
    public const int ModeOffset = 100, ModeLength = 8;
    public const int UidOffset = 108, UidLength = 8;
    public const int GidOffset = 116, GidLength = 8;
    public const int SizeOffset = 124, SizeLength = 12;
    public const int MtimeOffset = 136, MtimeLength = 12;
    public const int ChecksumOffset = 148, ChecksumLength = 8;
    public const int TypeFlagOffset = 156;
    public const int LinkNameOffset = 157, LinkNameLength = 100;
    public const int MagicOffset = 257, MagicLength = 6;
    public const int VersionOffset = 263, VersionLength = 2;
    public const int UserNameOffset = 265, UserNameLength = 32;
    public const int GroupNameOffset = 297, GroupNameLength = 32;
    public const int DevMajorOffset = 329, DevMajorLength = 8;
    public const int DevMinorOffset = 337, DevMinorLength = 8;
    public const int PrefixOffset = 345, PrefixLength = 155;

    /// <summary>Largest value of an 8-byte field: 7 octal digits and a NUL.</summary>
    public const long MaxOctal7 = 0x1F_FFFF; // 07777777

    /// <summary>Largest value of a 12-byte field: 11 octal digits and a NUL (8 GiB - 1).</summary>
    public const long MaxOctal11 = 0x1_FFFF_FFFF; // 077777777777

    /// <summary>uname/gname are 32 bytes and POSIX asks for a terminating NUL, so 31 usable bytes.</summary>
    public const int MaxOwnerNameBytes = 31;

    // Typeflags (pax "typeflag"; 'x'/'g' are pax extended/global headers, 'L'/'K' GNU long name/link).
    public const byte TypeRegular = (byte)'0', TypeRegularOld = 0, TypeHardLink = (byte)'1', TypeSymlink = (byte)'2',
        TypeChar = (byte)'3', TypeBlock = (byte)'4', TypeDirectory = (byte)'5', TypeFifo = (byte)'6',
        TypeContiguous = (byte)'7', TypePaxExtended = (byte)'x', TypePaxGlobal = (byte)'g',
        TypeSolarisExtended = (byte)'X', TypeGnuLongName = (byte)'L', TypeGnuLongLink = (byte)'K',
        TypeGnuOldSparse = (byte)'S';

    /// <summary>POSIX magic "ustar\0" followed by version "00".</summary>
    public static ReadOnlySpan<byte> PosixMagicAndVersion => "ustar\000"u8;

    /// <summary>
    /// Writes <paramref name="value"/> as zero-padded octal digits filling the field but its last
    /// byte, which stays NUL (the form GNU tar and POSIX both write, e.g. "0000644\0").
    /// The caller has checked the value fits.
    /// </summary>
    public static void WriteOctal(Span<byte> field, long value)
    {
        int i = field.Length - 1;
        field[i] = 0;
        while (--i >= 0)
        {
            field[i] = (byte)('0' + (int)(value & 7));
            value >>= 3;
        }
    }

    /// <summary>The value itself when it fits the field's octal digits; else 0 (a pax record then carries it).</summary>
    public static void WriteOctalOrZero(Span<byte> field, long value, long max) =>
        WriteOctal(field, value >= 0 && value <= max ? value : 0);

    /// <summary>
    /// The header checksum: the sum of all 512 bytes as unsigned values, with the checksum field
    /// itself counted as eight spaces.
    /// </summary>
    public static long ComputeChecksum(ReadOnlySpan<byte> block)
    {
        // Every header of every member is summed once written and once read: 32 bytes at a time,
        // widened to 16-bit lanes (at most 32 bytes × 255 = 8,160 per lane: no overflow).
        var vectors = MemoryMarshal.Cast<byte, Vector256<byte>>(block[..Size]);
        var lanes = Vector256<ushort>.Zero;
        foreach (var v in vectors)
        {
            var (lower, upper) = Vector256.Widen(v);
            lanes += lower + upper;
        }
        var (low, high) = Vector256.Widen(lanes);
        long sum = Vector256.Sum(low + high);
        for (int i = ChecksumOffset; i < ChecksumOffset + ChecksumLength; i++)
        {
            sum += ' ' - block[i];
        }
        return sum;
    }

    /// <summary>Historic tars summed signed chars; GNU tar and Go accept either sum, and so do we.</summary>
    public static long ComputeSignedChecksum(ReadOnlySpan<byte> block)
    {
        long sum = 0;
        for (int i = 0; i < Size; i++)
        {
            sum += (sbyte)block[i];
        }
        for (int i = ChecksumOffset; i < ChecksumOffset + ChecksumLength; i++)
        {
            sum += ' ' - (sbyte)block[i];
        }
        return sum;
    }

    /// <summary>Stores the checksum as six octal digits, a NUL and a space, as GNU tar and POSIX-era tars do.</summary>
    public static void WriteChecksum(Span<byte> block)
    {
        long sum = ComputeChecksum(block);
        var field = block.Slice(ChecksumOffset, ChecksumLength);
        WriteOctal(field[..7], sum);
        field[7] = (byte)' ';
    }

    public static bool IsZero(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    /// <summary>
    /// Parses a numeric field: octal digits with optional leading spaces and trailing spaces or
    /// NULs, or GNU's base-256 form (first byte 0x80 positive, 0xFF negative), which GNU tar and
    /// star use for values too large for octal. An all-NUL or all-space field is 0.
    /// </summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            return TryParseBase256(field, out value);
        }
        int i = 0;
        while (i < field.Length && field[i] == (byte)' ')
        {
            i++;
        }
        long v = 0;
        int digits = 0;
        for (; i < field.Length; i++)
        {
            byte b = field[i];
            if (b is >= (byte)'0' and <= (byte)'7')
            {
                if (v > (long.MaxValue >> 3))
                {
                    return false;
                }
                v = (v << 3) | (long)(b - '0');
                digits++;
            }
            else
            {
                break;
            }
        }
        for (; i < field.Length; i++)
        {
            if (field[i] != 0 && field[i] != (byte)' ')
            {
                return false;
            }
        }
        value = v;
        return true;
    }

    private static bool TryParseBase256(ReadOnlySpan<byte> field, out long value)
    {
        // Big-endian two's complement behind a marker bit (0x80 of the first byte). A negative
        // number (bit 0x40 set) is read inverted, using -a-1 == ~a, as Go's archive/tar does.
        value = 0;
        byte inv = (field[0] & 0x40) != 0 ? (byte)0xFF : (byte)0;
        ulong x = 0;
        for (int i = 0; i < field.Length; i++)
        {
            byte c = (byte)(field[i] ^ inv);
            if (i == 0)
            {
                c &= 0x7F;
            }
            if ((x >> 56) != 0)
            {
                return false;
            }
            x = (x << 8) | c;
        }
        if ((x >> 63) != 0)
        {
            return false;
        }
        value = inv == 0xFF ? ~(long)x : (long)x;
        return true;
    }
}
