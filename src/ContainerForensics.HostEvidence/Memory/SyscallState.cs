using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// /proc/&lt;tid&gt;/syscall of a blocked thread (proc_pid_syscall, fs/proc/base.c):
/// "nr arg1 … arg6 sp pc", or "-1 sp pc" when blocked outside a system call, or "running".
/// The kernel reads it from the stopped thread's saved user registers without attaching.
/// </summary>
internal sealed record SyscallState(long Number, IReadOnlyList<ulong> Arguments, ulong StackPointer, ulong ProgramCounter)
{
    public static SyscallState? TryParse(ReadOnlySpan<byte> text)
    {
        var parts = Encoding.ASCII.GetString(text).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long nr))
        {
            return null;
        }
        var values = new ulong[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            var p = parts[i];
            if (!p.StartsWith("0x", StringComparison.Ordinal) ||
                !ulong.TryParse(p.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out values[i - 1]))
            {
                return null;
            }
        }
        return (nr, values.Length) switch
        {
            (-1, 2) => new SyscallState(-1, [], values[0], values[1]),
            (>= 0, 8) => new SyscallState(nr, values[..6], values[6], values[7]),
            _ => null,
        };
    }
}
