using ContainerForensics.Core.Host.Mounts;

namespace ContainerForensics.HostEvidence.Mounts;

/// <summary>
/// Parses a whole /proc/&lt;pid&gt;/mountinfo, line by line with <see cref="MountInfoLine"/>;
/// lines that do not parse are returned as problems, never guessed at.
/// </summary>
internal static class MountInfoParser
{
    public static List<MountEntry> Parse(ReadOnlySpan<byte> text, List<string> problems)
    {
        var mounts = new List<MountEntry>();
        int lineNumber = 0;
        while (!text.IsEmpty)
        {
            int nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? [] : text[(nl + 1)..];
            lineNumber++;
            if (line.IsEmpty)
            {
                continue;
            }
            if (MountInfoLine.ParseLine(line) is { } entry)
            {
                mounts.Add(entry);
            }
            else
            {
                problems.Add($"line {lineNumber} not understood: {EvidenceJson.Printable(line)}");
            }
        }
        return mounts;
    }
}
