using System.Text;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// One line of a /proc/net file. The text is the bytes as Latin-1, one char per byte, so the
/// numeric columns parse as ASCII and any name in the line converts back to its exact bytes
/// (<see cref="RawName.FromLatin1"/>).
/// </summary>
internal readonly record struct ProcLine(int Number, string Text, bool Terminated)
{
    /// <summary>
    /// The lines of a file, numbered from 1. The last one counts only if it is not empty; it is
    /// <see cref="Terminated"/> false when the file did not end with a newline (cut off by a read
    /// limit, or an odd file).
    /// </summary>
    public static IEnumerable<ProcLine> Split(ReadOnlyMemory<byte> content)
    {
        int number = 0;
        int start = 0;
        while (start < content.Length)
        {
            int nl = content.Span[start..].IndexOf((byte)'\n');
            number++;
            if (nl < 0)
            {
                yield return new ProcLine(number, Encoding.Latin1.GetString(content.Span[start..]), Terminated: false);
                yield break;
            }
            yield return new ProcLine(number, Encoding.Latin1.GetString(content.Span.Slice(start, nl)), Terminated: true);
            start += nl + 1;
        }
    }

    /// <summary>The whitespace-separated fields (spaces and tabs; the kernel pads with both).</summary>
    public string[] Fields() => Text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
