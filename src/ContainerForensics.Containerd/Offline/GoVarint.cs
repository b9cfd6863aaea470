namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// Go's <c>encoding/binary</c> varints, as containerd stores sizes (signed, zig-zag: <c>PutVarint</c>)
/// and a snapshotter's snapshot ids (unsigned: <c>PutUvarint</c>). A value that does not decode
/// whole is null: the caller keeps its raw bytes.
/// </summary>
internal static class GoVarint
{
    public static ulong? Unsigned(ReadOnlySpan<byte> value)
    {
        ulong result = 0;
        for (int i = 0; i < value.Length && i < 10; i++)
        {
            byte b = value[i];
            if (i == 9 && b > 1)
            {
                return null; // overflows 64 bits
            }
            result |= (ulong)(b & 0x7f) << (7 * i);
            if (b < 0x80)
            {
                return i == value.Length - 1 ? result : null; // trailing bytes: not one varint
            }
        }
        return null;
    }

    public static long? Signed(ReadOnlySpan<byte> value)
    {
        if (Unsigned(value) is not { } ux)
        {
            return null;
        }
        long x = (long)(ux >> 1);
        return (ux & 1) != 0 ? ~x : x;
    }
}
