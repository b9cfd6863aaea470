using System.Diagnostics;
using System.Globalization;

namespace ContainerForensics.HostEvidence.Tests.Memory;

/// <summary>
/// A real process on the host to dump: <c>sleep 3600</c> with a marker in its environment
/// (environment strings live at the top of the stack). Killed and reaped in <see cref="Dispose"/>.
/// </summary>
internal sealed class SleepingProcess : IDisposable
{
    private readonly Process _process;

    public SleepingProcess()
    {
        Marker = "cfir-memory-marker-" + Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo(new[] { "/bin/sleep", "/usr/bin/sleep" }.First(File.Exists), "3600")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
        };
        psi.Environment["CFIR_MEMORY_MARKER"] = Marker;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sleep");
    }

    public int Pid => _process.Id;

    public string Marker { get; }

    /// <summary>
    /// Waits until the process sleeps in nanosleep or clock_nanosleep (per /proc/&lt;pid&gt;/syscall):
    /// by then the dynamic loader is done and the mappings no longer change.
    /// </summary>
    public Task ReadyAsync() => UntilSleepingAsync(Pid);

    /// <summary>Waits until process <paramref name="pid"/> blocks in nanosleep or clock_nanosleep.</summary>
    public static async Task UntilSleepingAsync(int pid)
    {
        long[] sleeping = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            ? [101, 115]
            : [35, 230];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var first = File.ReadAllText($"/proc/{pid}/syscall").Split(' ')[0];
            if (long.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out long nr) && sleeping.Contains(nr))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"process {pid} did not start sleeping");
            await Task.Delay(50);
        }
    }

    /// <summary>env_start and env_end, fields 50 and 51 of /proc/&lt;pid&gt;/stat.</summary>
    public (ulong Start, ulong End) EnvironmentRange() => EnvironmentRangeOf(Pid);

    public static (ulong Start, ulong End) EnvironmentRangeOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (ulong.Parse(fields[50 - 3], CultureInfo.InvariantCulture), ulong.Parse(fields[51 - 3], CultureInfo.InvariantCulture));
    }

    public void KillAndReap()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        Assert.True(_process.WaitForExit(TimeSpan.FromMinutes(2)), "sleep did not exit after SIGKILL");
    }

    public void Dispose()
    {
        try
        {
            KillAndReap();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
