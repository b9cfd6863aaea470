using System.Text;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>What a finished process left: its exit code, stdout byte-exact, stderr as text.</summary>
internal sealed record ProcessResult(int ExitCode, byte[] Stdout, string Stderr)
{
    /// <summary>stdout decoded as UTF-8, for the commands whose stdout is text (--version, --help, --json).</summary>
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    /// <summary>For assertion messages: enough of both streams to see what went wrong.</summary>
    public string Describe() =>
        $"exit {ExitCode}; stdout {Stdout.Length} bytes{(Stdout.Length is > 0 and < 4096 ? ":\n" + StdoutText : "")}\nstderr:\n{Stderr}";
}
