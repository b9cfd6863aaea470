using System.Text;
using ContainerForensics.Evidence.Reading;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// The current member's content read through <see cref="EvidenceArchiveReader.Read"/> with
/// bounded memory: whole (a JSON document up to a cap) or line by line (a log of any length,
/// each line cut at a cap). What is cut is said, never dropped silently.
/// </summary>
internal static class MemberText
{
    /// <summary>The member's bytes, or null when it is longer than <paramref name="max"/> (the rest is left for the reader to skip).</summary>
    public static byte[]? ReadWhole(EvidenceArchiveReader reader, int max)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        for (int n; (n = reader.Read(chunk)) > 0;)
        {
            if (buffer.Length + n > max)
            {
                return null;
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Calls <paramref name="line"/> for every line (without its newline; a final line without
    /// one too), at most <paramref name="maxLine"/> bytes of each and the count of bytes cut.
    /// </summary>
    public static void ForEachLine(EvidenceArchiveReader reader, int maxLine, Action<string, long> line)
    {
        var chunk = new byte[64 * 1024];
        var current = new byte[maxLine];
        int length = 0;
        long cut = 0;
        bool any = false;
        for (int n; (n = reader.Read(chunk)) > 0;)
        {
            any = true;
            var rest = chunk.AsSpan(0, n);
            while (!rest.IsEmpty)
            {
                int newline = rest.IndexOf((byte)'\n');
                var piece = newline < 0 ? rest : rest[..newline];
                int take = Math.Min(piece.Length, current.Length - length);
                piece[..take].CopyTo(current.AsSpan(length));
                length += take;
                cut += piece.Length - take;
                if (newline < 0)
                {
                    break;
                }
                line(Encoding.UTF8.GetString(current, 0, length), cut);
                length = 0;
                cut = 0;
                rest = rest[(newline + 1)..];
            }
        }
        if (any && (length > 0 || cut > 0))
        {
            line(Encoding.UTF8.GetString(current, 0, length), cut);
        }
    }
}
