using System.Buffers.Binary;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// A Go <c>time.Time</c> as <c>MarshalBinary</c> writes it, which is how containerd stores
/// <c>createdat</c>/<c>updatedat</c> (core/metadata/boltutil/helpers.go, <c>WriteTimestamps</c>):
/// a version byte (1, or 2 with a seconds part of the zone offset), 8 bytes of seconds since
/// January 1 of year 1 UTC and 4 bytes of nanoseconds, big-endian, then the zone offset in
/// minutes (2 bytes, -1 for UTC) and, in version 2, its seconds (1 byte). The instant does not
/// depend on the offset, which only says how the writer's clock displayed it.
/// (https://pkg.go.dev/time#Time.MarshalBinary; src/time/time.go, <c>timeBinaryVersionV1/V2</c>.)
/// </summary>
internal static class GoTime
{
    /// <summary>Seconds from 0001-01-01 to 1970-01-01 (Go's <c>unixToInternal</c>).</summary>
    private const long UnixToInternal = 62_135_596_800;

    /// <summary>The instant, or null with why the bytes are not a Go binary time.</summary>
    public static UnixTime? Decode(ReadOnlySpan<byte> value, out string? problem)
    {
        int expected = value.Length > 0 && value[0] == 2 ? 16 : 15;
        if (value.Length == 0 || value[0] is not (1 or 2))
        {
            problem = value.Length == 0 ? "empty" : $"version byte {value[0]}, not 1 or 2";
            return null;
        }
        if (value.Length != expected)
        {
            problem = $"{value.Length} bytes, a version {value[0]} time has {expected}";
            return null;
        }
        long sec = BinaryPrimitives.ReadInt64BigEndian(value[1..]);
        uint nsec = BinaryPrimitives.ReadUInt32BigEndian(value[9..]);
        if (nsec >= 1_000_000_000)
        {
            problem = $"nanoseconds {nsec} out of range";
            return null;
        }
        long unix;
        try
        {
            unix = checked(sec - UnixToInternal);
        }
        catch (OverflowException)
        {
            problem = $"seconds {sec} out of range";
            return null;
        }
        problem = null;
        return new UnixTime(unix, nsec);
    }
}
