using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A real process in its own pid namespace on this host, as a nested runtime's would be:
/// <c>unshare --pid --fork --mount-proc &lt;command&gt;</c>, whose command is pid 1 inside.
/// <see cref="HostPid"/> is its pid as cfir sees it. Killed with its tree on dispose.
/// </summary>
public sealed class PidNamespaceProcess : IDisposable
{
    private readonly Process _unshare;

    private PidNamespaceProcess(Process unshare, int hostPid, ulong pidNamespace)
    {
        _unshare = unshare;
        HostPid = hostPid;
        PidNamespace = pidNamespace;
    }

    /// <summary>The command's pid in cfir's pid namespace (it is 1 in its own).</summary>
    public int HostPid { get; }

    /// <summary>The inode of its pid namespace (<c>pid:[inode]</c>).</summary>
    public ulong PidNamespace { get; }

    public static Task<PidNamespaceProcess> StartAsync(params string[] command) => StartAsync([], command, command);

    /// <param name="unshareOptions">More namespaces (<c>--net</c>), beside the pid and mount ones.</param>
    /// <param name="runs">The argv the command ends up running (after a chroot, the program chroot runs).</param>
    public static async Task<PidNamespaceProcess> StartAsync(string[] unshareOptions, string[] command, string[] runs)
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (string arg in (string[])["--pid", "--fork", "--mount-proc", .. unshareOptions, .. command])
        {
            psi.ArgumentList.Add(arg);
        }
        var unshare = Process.Start(psi) ?? throw new InvalidOperationException("cannot start unshare");
        try
        {
            // unshare forks the command as pid 1 of the new namespace: its only child, once it has exec'd.
            byte[] expected = Encoding.UTF8.GetBytes(string.Join('\0', runs) + "\0");
            string children = $"/proc/{unshare.Id.ToString(CultureInfo.InvariantCulture)}/task/{unshare.Id.ToString(CultureInfo.InvariantCulture)}/children";
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // hang guard
            while (true)
            {
                if (File.Exists(children) && int.TryParse(File.ReadAllText(children).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int child)
                    && File.Exists($"/proc/{child}/cmdline") && File.ReadAllBytes($"/proc/{child}/cmdline").AsSpan().SequenceEqual(expected))
                {
                    string link = new FileInfo($"/proc/{child}/ns/pid").LinkTarget!;
                    return new PidNamespaceProcess(unshare, child, ulong.Parse(link.AsSpan(5, link.Length - 6), CultureInfo.InvariantCulture));
                }
                if (unshare.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"unshare {string.Join(' ', command)} did not start its command (exited: {unshare.HasExited})");
                }
                await Task.Delay(20);
            }
        }
        catch
        {
            unshare.Kill(entireProcessTree: true);
            unshare.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            _unshare.Kill(entireProcessTree: true);
            _unshare.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _unshare.Dispose();
    }
}
