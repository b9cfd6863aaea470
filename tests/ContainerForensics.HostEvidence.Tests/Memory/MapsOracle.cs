using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Tests.Memory;

/// <summary>
/// An independent reading of /proc/&lt;pid&gt;/maps for the tests (plain text, split by spaces),
/// and the rule for what a core should hold: every readable mapping but [vvar], [vvar_vclock]
/// and [vsyscall] (the test processes map no devices).
/// </summary>
internal static class MapsOracle
{
    internal sealed record Line(ulong Start, ulong End, string Perms, string Path);

    public static List<Line> Read(int pid)
    {
        var lines = new List<Line>();
        foreach (var raw in File.ReadAllLines($"/proc/{pid}/maps", Encoding.UTF8))
        {
            var f = raw.Split(' ', 6, StringSplitOptions.None);
            var range = f[0].Split('-');
            lines.Add(new Line(
                ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                f[1],
                f.Length > 5 ? f[5].TrimStart(' ') : ""));
        }
        return lines;
    }

    public static HashSet<(ulong Start, ulong End)> Dumpable(IEnumerable<Line> lines) =>
        lines.Where(l => l.Perms[0] == 'r' && l.Path is not ("[vvar]" or "[vvar_vclock]" or "[vsyscall]"))
             .Select(l => (l.Start, l.End))
             .ToHashSet();
}
