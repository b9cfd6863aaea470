using System.Globalization;
using System.Text;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// What a directory holds after GNU tar extracted into it, as find(1) reports it with raw name
/// bytes (NUL-separated output), so non-UTF-8 names and names with newlines compare exactly.
/// Keys are the relative paths as Latin-1 strings (one char per byte).
/// </summary>
internal static class ExtractedTree
{
    public sealed record Node(byte[] Path, char Type, uint Mode, long Uid, long Gid, long Size, long Seconds, uint Nanoseconds,
        byte[] LinkTarget, long Inode, long Blocks512);

    public static Dictionary<string, Node> Read(string directory)
    {
        var result = ExternalTools.Run(directory, "find", ".", "-mindepth", "1", "-printf", "%P\\0%y\\0%m\\0%U\\0%G\\0%s\\0%T@\\0%l\\0%i\\0%b\\0");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var fields = Split(result.StdOut);
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        for (int i = 0; i + 10 <= fields.Count; i += 10)
        {
            string Text(int k) => Encoding.ASCII.GetString(fields[i + k]);
            string[] time = Text(6).Split('.');
            string fraction = (time.Length > 1 ? time[1] : "").PadRight(9, '0')[..9];
            var node = new Node(
                fields[i],
                Text(1)[0],
                Convert.ToUInt32(Text(2), 8),
                long.Parse(Text(3), CultureInfo.InvariantCulture),
                long.Parse(Text(4), CultureInfo.InvariantCulture),
                long.Parse(Text(5), CultureInfo.InvariantCulture),
                long.Parse(time[0], CultureInfo.InvariantCulture),
                uint.Parse(fraction, CultureInfo.InvariantCulture),
                fields[i + 7],
                long.Parse(Text(8), CultureInfo.InvariantCulture),
                long.Parse(Text(9), CultureInfo.InvariantCulture));
            nodes[Key(node.Path)] = node;
        }
        return nodes;
    }

    public static string Key(byte[] path) => Encoding.Latin1.GetString(path);

    private static List<byte[]> Split(byte[] output)
    {
        var fields = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < output.Length; i++)
        {
            if (output[i] == 0)
            {
                fields.Add(output[start..i]);
                start = i + 1;
            }
        }
        return fields;
    }
}
