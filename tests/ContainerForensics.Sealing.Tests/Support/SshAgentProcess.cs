using System.Diagnostics;

namespace ContainerForensics.Sealing.Tests.Support;

/// <summary>A real ssh-agent of the test's own (<c>ssh-agent -D -a SOCKET</c>), stopped when disposed.</summary>
internal sealed class SshAgentProcess : IDisposable
{
    private readonly Process _process;

    public SshAgentProcess(TempDir dir)
    {
        SocketPath = dir.File("agent.sock");
        var info = new ProcessStartInfo("ssh-agent") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-D", "-a", SocketPath])
        {
            info.ArgumentList.Add(a);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("ssh-agent did not start");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(SocketPath))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"ssh-agent did not create {SocketPath}");
            }
            Thread.Sleep(20);
        }
    }

    public string SocketPath { get; }

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = SocketPath };

    public void Add(string keyPath) => Tool.Ok("ssh-add", ["-q", keyPath], environment: Environment);

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
