using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// The fields of /proc/&lt;pid&gt;/stat the notes use (proc_pid_stat(5)). comm sits in parentheses
/// and may hold spaces and ')', so the fields are counted from the last ')'.
/// </summary>
internal readonly record struct StatFields(byte[] Command, char State, int ParentPid, int ProcessGroup, int Session, ulong Flags, int Nice, CpuTimes Times, CpuTimes ChildrenTimes)
{
    public static bool TryParse(ReadOnlySpan<byte> text, out StatFields fields)
    {
        fields = default;
        int open = text.IndexOf((byte)'(');
        int close = text.LastIndexOf((byte)')');
        if (open < 0 || close < open || close + 2 > text.Length)
        {
            return false;
        }
        var rest = Encoding.ASCII.GetString(text[(close + 1)..]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state); field n is rest[n - 3].
        if (rest.Length < 17 || rest[0].Length != 1)
        {
            return false;
        }
        fields = new StatFields(
            text[(open + 1)..close].ToArray(),
            rest[0][0],
            Int(rest[1]),
            Int(rest[2]),
            Int(rest[3]),
            ULong(rest[6]),
            Int(rest[16]),
            new CpuTimes(ULong(rest[11]), ULong(rest[12])),
            new CpuTimes(ULong(rest[13]), ULong(rest[14])));
        return true;
    }

    private static int Int(string s) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : 0;

    private static ulong ULong(string s) => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;
}
