using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// The seams of the command line: the runtimes it can look for, the clock, the environment
/// variables and the two output streams. Program builds the real one; tests build their own.
/// </summary>
internal sealed record CliEnvironment
{
    public required Func<IReadOnlyList<IRuntimeProvider>> Providers { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public IReadOnlyDictionary<string, string?> Variables { get; init; } = ReadVariables();

    /// <summary>Where the archive goes with <c>-o -</c>, and the <c>--json</c> summary otherwise.</summary>
    public Func<Stream> OpenStdout { get; init; } = Evidence.Output.DescriptorWriteStream.StandardOutput;

    public bool StdoutIsTerminal { get; init; } = !Console.IsOutputRedirected;

    /// <summary>Everything for people.</summary>
    public TextWriter Stderr { get; init; } = Console.Error;

    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    public string HostRoot { get; init; } = "/";

    public static IReadOnlyDictionary<string, string?> ReadVariables()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            result[(string)e.Key] = e.Value as string;
        }
        return result;
    }
}
