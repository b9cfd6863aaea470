using System.Runtime.InteropServices;

namespace ContainerForensics.Core.Host;

/// <summary>
/// Who the host says it is and what its clock says, for the acquisition record. Read from a
/// root directory (default "/") so tests can hand in a fake /proc and /etc.
/// </summary>
public sealed record HostFacts
{
    public string? Hostname { get; init; }

    public string? KernelRelease { get; init; }

    public string? KernelVersion { get; init; }

    public string? Architecture { get; init; }

    public string? BootId { get; init; }

    public string? MachineId { get; init; }

    public string? OsPrettyName { get; init; }

    /// <summary>Seconds since boot (CLOCK_BOOTTIME as /proc/uptime shows it), to relate monotonic times to wall time.</summary>
    public double? UptimeSeconds { get; init; }

    /// <summary>Whether the kernel believes its clock is NTP-synchronised (adjtimex STA_UNSYNC clear); null if unknown.</summary>
    public bool? ClockSynchronized { get; init; }

    /// <summary>The kernel's estimated clock error, microseconds (adjtimex esterror), when known.</summary>
    public long? ClockEstimatedErrorMicroseconds { get; init; }

    public string? ClockSource { get; init; }

    public static HostFacts Read(string root = "/")
    {
        string? Text(string relative)
        {
            try
            {
                return File.ReadAllText(Path.Combine(root, relative)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        double? uptime = null;
        if (Text("proc/uptime") is { } up && double.TryParse(up.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out double u))
        {
            uptime = u;
        }
        var (synced, esterror) = root == "/" ? ReadClockState() : (null, null);
        return new HostFacts
        {
            Hostname = Text("proc/sys/kernel/hostname") ?? Environment.MachineName,
            KernelRelease = Text("proc/sys/kernel/osrelease"),
            KernelVersion = Text("proc/sys/kernel/version"),
            Architecture = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            BootId = Text("proc/sys/kernel/random/boot_id"),
            MachineId = Text("etc/machine-id") ?? Text("var/lib/dbus/machine-id"),
            OsPrettyName = ReadOsRelease(Text("etc/os-release")),
            UptimeSeconds = uptime,
            ClockSynchronized = synced,
            ClockEstimatedErrorMicroseconds = esterror,
            ClockSource = Text("sys/devices/system/clocksource/clocksource0/current_clocksource"),
        };
    }

    internal static string? ReadOsRelease(string? text)
    {
        foreach (var line in (text ?? "").Split('\n'))
        {
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            {
                return line["PRETTY_NAME=".Length..].Trim('"');
            }
        }
        return null;
    }

    // adjtimex(2) with modes = 0 only reads. STA_UNSYNC (0x0040) set means "not synchronised";
    // a return of TIME_ERROR (5) says the same.
    private static (bool?, long?) ReadClockState()
    {
        try
        {
            var tx = new Timex();
            int state = Adjtimex(ref tx);
            if (state < 0)
            {
                return (null, null);
            }
            bool unsync = (tx.Status & 0x0040) != 0 || state == 5;
            return (!unsync, (long)tx.Esterror);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return (null, null);
        }
    }

    [DllImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    private static extern int Adjtimex(ref Timex buf);

    // struct timex on 64-bit Linux (x86_64 and aarch64 share it): 208 bytes.
    [StructLayout(LayoutKind.Sequential, Size = 208)]
    private struct Timex
    {
        public uint Modes;
        public long Offset;
        public long Freq;
        public long Maxerror;
        public long Esterror;
        public int Status;
    }
}
