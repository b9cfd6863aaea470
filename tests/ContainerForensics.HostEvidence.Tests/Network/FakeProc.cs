using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Tests.Network;

/// <summary>
/// A directory laid out like /proc for planted processes: &lt;pid&gt;/net/&lt;file&gt;,
/// &lt;pid&gt;/ns/net → "net:[inode]", &lt;pid&gt;/fd/N → "socket:[inode]", &lt;pid&gt;/comm.
/// readlink of a symlink to "net:[…]" answers exactly as the kernel's magic link does.
/// </summary>
internal sealed class FakeProc : IDisposable
{
    public FakeProc()
    {
        Root = Path.Combine(Path.GetTempPath(), "cfir-fakeproc-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public FakeProc Process(int pid, ulong netns, string? comm = null)
    {
        string dir = Dir(pid);
        Directory.CreateDirectory(Path.Combine(dir, "net"));
        Directory.CreateDirectory(Path.Combine(dir, "ns"));
        Directory.CreateDirectory(Path.Combine(dir, "fd"));
        File.CreateSymbolicLink(Path.Combine(dir, "ns", "net"), "net:[" + netns.ToString(CultureInfo.InvariantCulture) + "]");
        if (comm is not null)
        {
            File.WriteAllBytes(Path.Combine(dir, "comm"), Encoding.Latin1.GetBytes(comm + "\n"));
        }
        return this;
    }

    public FakeProc NetFile(int pid, string name, string content)
    {
        File.WriteAllBytes(Path.Combine(Dir(pid), "net", name), Encoding.Latin1.GetBytes(content));
        return this;
    }

    public FakeProc Fd(int pid, int fd, string target)
    {
        File.CreateSymbolicLink(Path.Combine(Dir(pid), "fd", fd.ToString(CultureInfo.InvariantCulture)), target);
        return this;
    }

    public void MoveToNamespace(int pid, ulong netns)
    {
        string link = Path.Combine(Dir(pid), "ns", "net");
        File.Delete(link);
        File.CreateSymbolicLink(link, "net:[" + netns.ToString(CultureInfo.InvariantCulture) + "]");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }

    private string Dir(int pid) => Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
}
