using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// The framing of the Engine API's multiplexed stream (logs and attach of a container without a
/// TTY, https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerAttach):
/// <code>
/// header := [STREAM_TYPE, 0, 0, 0, SIZE1, SIZE2, SIZE3, SIZE4]   SIZE: big-endian uint32
/// frame  := header, SIZE bytes of payload                        STREAM_TYPE: 0 stdin, 1 stdout, 2 stderr
/// </code>
/// Strict, because the output is evidence: an unknown stream type, non-zero reserved bytes, a
/// header or payload cut short are errors (<see cref="MultiplexedStreamException"/>); the stream
/// ends cleanly only on a frame boundary. Type 3 is what newer daemons (moby stdcopy "Systemerr")
/// send to report an error inside the stream: it becomes an exception carrying that message.
/// The rules and their messages; the reading is the logs splitter's (Logs/LogStreamSplitter).
/// </summary>
internal static class MultiplexedFraming
{
    public const int HeaderLength = 8;

    /// <summary>The stream type of the daemon's error frame (moby stdcopy "Systemerr").</summary>
    public const byte SystemErrorType = 3;

    /// <summary>The most of an error frame's message that is read.</summary>
    public const int MaxSystemErrorBytes = 64 * 1024;

    /// <summary>
    /// The header rules: the reserved bytes are zero and the type is stdin, stdout, stderr or the
    /// daemon's error frame (<see cref="SystemErrorType"/>, which the caller reads and throws as
    /// <see cref="SystemError"/>).
    /// </summary>
    public static (byte Type, uint Length) CheckHeader(ReadOnlySpan<byte> header, long offset)
    {
        byte type = header[0];
        if (header[1] != 0 || header[2] != 0 || header[3] != 0)
        {
            throw new MultiplexedStreamException($"frame header at offset {Fmt(offset)} has non-zero reserved bytes ({Convert.ToHexString(header[..HeaderLength])})", offset);
        }
        if (type > SystemErrorType)
        {
            throw new MultiplexedStreamException($"unknown stream type {type.ToString(CultureInfo.InvariantCulture)} in the frame header at offset {Fmt(offset)}", offset);
        }
        return (type, BinaryPrimitives.ReadUInt32BigEndian(header[4..HeaderLength]));
    }

    public static MultiplexedStreamException CutHeader(int got, long offset) =>
        new($"stream cut inside a frame header at offset {Fmt(offset)}: {got} of {HeaderLength} bytes", offset);

    public static MultiplexedStreamException CutPayload(long missing, long offset) =>
        new($"stream cut inside the frame at offset {Fmt(offset)}: {missing} of its payload bytes missing", offset);

    public static MultiplexedStreamException SystemError(ReadOnlySpan<byte> message, long offset) =>
        new($"the daemon reported an error in the stream at offset {Fmt(offset)}: {Encoding.UTF8.GetString(message).Trim()}", offset);

    private static string Fmt(long v) => v.ToString(CultureInfo.InvariantCulture);
}
