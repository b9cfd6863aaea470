using System.Buffers.Binary;
using System.Text;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>Decoders for the few Go encodings the engines put in values, to compare them with what the CLIs print.</summary>
internal static class GoValues
{
    /// <summary>
    /// Go's <c>time.Time.MarshalBinary</c> (containerd's createdat/updatedat): version 1, seconds since year 1 (i64 BE),
    /// nanoseconds (i32 BE), zone offset in minutes (i16 BE, −1 for UTC); as RFC 3339 with nanoseconds, as Go prints it.
    /// </summary>
    public static string Time(byte[] v)
    {
        if (v.Length != 15 || v[0] != 1)
        {
            throw new FormatException($"not a version-1 Go time: {Convert.ToHexString(v)}");
        }
        long seconds = BinaryPrimitives.ReadInt64BigEndian(v.AsSpan(1));
        int nanos = BinaryPrimitives.ReadInt32BigEndian(v.AsSpan(9));
        var t = DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc).AddSeconds(seconds);
        string fraction = nanos == 0 ? "" : "." + nanos.ToString("D9", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0');
        return t.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + fraction + "Z";
    }

    /// <summary>An unsigned varint (Go's binary.Uvarint): the overlayfs snapshotter's ids.</summary>
    public static ulong Uvarint(byte[] v)
    {
        ulong x = 0;
        for (int i = 0, shift = 0; i < v.Length && shift < 64; i++, shift += 7)
        {
            x |= (ulong)(v[i] & 0x7f) << shift;
            if (v[i] < 0x80)
            {
                return x;
            }
        }
        throw new FormatException($"not a varint: {Convert.ToHexString(v)}");
    }

    /// <summary>A protobuf <c>google.protobuf.Any</c>: type_url (field 1) and value (field 2), as containerd stores a spec.</summary>
    public static (string TypeUrl, byte[] Value) Any(byte[] v)
    {
        string? type = null;
        byte[]? value = null;
        int at = 0;
        while (at < v.Length)
        {
            int tag = v[at++];
            ulong length = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = v[at++];
                length |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }
            var field = v.AsSpan(at, (int)length);
            at += (int)length;
            switch (tag)
            {
                case 0x0a: type = Encoding.UTF8.GetString(field); break;
                case 0x12: value = field.ToArray(); break;
                default: throw new FormatException($"unexpected protobuf tag 0x{tag:x2} in an Any");
            }
        }
        return (type ?? "", value ?? []);
    }
}
