using System.Diagnostics;
using System.Text;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// A started child process whose stdout is captured as bytes and stderr as text while it runs.
/// Every wait has a hang guard: when it expires the whole process tree is killed and the wait
/// throws, so a hung cfir fails its test instead of hanging the run.
/// </summary>
internal sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly MemoryStream _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly Task _stdinPump;
    private readonly string _display;

    private RunningProcess(Process process, byte[]? stdin, string display)
    {
        _process = process;
        _display = display;
        _stdoutPump = _process.StandardOutput.BaseStream.CopyToAsync(_stdout);
        _stderrPump = PumpStderrAsync();
        _stdinPump = FeedStdinAsync(stdin);
    }

    public int Pid => _process.Id;

    public string StderrSoFar
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="psi"/> with all three streams redirected; stdin gets <paramref name="stdin"/> then EOF.</summary>
    public static RunningProcess Start(ProcessStartInfo psi, byte[]? stdin = null)
    {
        psi.UseShellExecute = false;
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.StandardErrorEncoding = Encoding.UTF8;
        string display = psi.FileName + " " + string.Join(' ', psi.ArgumentList);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {display}");
        return new RunningProcess(process, stdin, display);
    }

    /// <summary>Waits for the exit; after <paramref name="timeout"/> kills the process tree and throws.</summary>
    public async Task<ProcessResult> WaitAsync(TimeSpan timeout)
    {
        using var guard = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree();
            throw new TimeoutException($"hang guard: `{_display}` still running after {timeout.TotalSeconds:0} s; killed. stderr so far:\n{StderrSoFar}");
        }
        // The exit comes before the pipes drain: wait for both so nothing written last is lost.
        await Task.WhenAll(_stdoutPump, _stderrPump, _stdinPump).WaitAsync(timeout);
        return new ProcessResult(_process.ExitCode, _stdout.ToArray(), StderrSoFar);
    }

    /// <summary>Waits until stderr contains <paramref name="fragment"/>; throws (and kills) if the process ends first or the guard expires.</summary>
    public async Task WaitForStderrAsync(string fragment, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!StderrSoFar.Contains(fragment, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"`{_display}` exited {_process.ExitCode} before stderr showed '{fragment}':\n{StderrSoFar}");
            }
            if (deadline.Elapsed > timeout)
            {
                KillTree();
                throw new TimeoutException($"hang guard: `{_display}` never wrote '{fragment}' within {timeout.TotalSeconds:0} s; killed. stderr:\n{StderrSoFar}");
            }
            await Task.Delay(20);
        }
    }

    private async Task PumpStderrAsync()
    {
        var buffer = new char[4096];
        int n;
        while ((n = await _process.StandardError.ReadAsync(buffer)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, n);
            }
        }
    }

    private async Task FeedStdinAsync(byte[]? stdin)
    {
        try
        {
            if (stdin is not null)
            {
                await _process.StandardInput.BaseStream.WriteAsync(stdin);
            }
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child stopped reading (EPIPE): what it did with the input is what the test checks.
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillTree();
        }
        _process.Dispose();
        _stdout.Dispose();
    }
}
