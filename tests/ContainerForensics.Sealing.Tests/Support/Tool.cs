using System.Diagnostics;
using System.Text;

namespace ContainerForensics.Sealing.Tests.Support;

/// <summary>Runs the real tools the tests hold cfir against (age, ssh-keygen, ssh-agent): bytes in on stdin, bytes out.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, byte[] StdOut, string StdErr)
    {
        public string Text => Encoding.UTF8.GetString(StdOut);
    }

    public static Result Run(string fileName, IEnumerable<string> arguments, byte[]? stdin = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["LC_ALL"] = "C";
        // ssh-keygen must not pick up the developer's agent unless a test says so.
        info.Environment.Remove("SSH_AUTH_SOCK");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var readErr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                process.StandardInput.BaseStream.Write(stdin);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool stopped reading (it refused the input): its exit code says why.
        }
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in 2 minutes");
        }
        copyOut.GetAwaiter().GetResult();
        return new Result(process.ExitCode, stdout.ToArray(), readErr.GetAwaiter().GetResult());
    }

    public static Result Ok(string fileName, IEnumerable<string> arguments, byte[]? stdin = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = Run(fileName, arguments, stdin, workingDirectory, environment);
        Assert.True(result.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StdErr}");
        return result;
    }
}
