using System.CommandLine;
using System.CommandLine.Invocation;
using ContainerForensics.Cli.Commands;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;

namespace ContainerForensics.Cli;

/// <summary>The command line: parse, dispatch, map outcomes to exit codes. No collection logic lives here.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        RuntimeFiles.RemoveOwn(Path.GetTempPath(), Environment.ProcessId);
        using var signals = new SignalCancellation();
        var env = new CliEnvironment { Providers = RuntimeProviders.All };
        return await RunAsync(args, env, signals, Console.OpenStandardInput).ConfigureAwait(false);
    }

    internal static async Task<int> RunAsync(string[] args, CliEnvironment env, SignalCancellation? signals, Func<Stream> openStdin)
    {
        var root = BuildRoot(env, signals, openStdin);
        // No response files: "--encrypt-to @FILE" names a recipients file, as age's -R does, and
        // System.CommandLine would otherwise expand it into arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                env.Stderr.WriteLine($"cfir: {error.Message}");
            }
            env.Stderr.WriteLine("cfir: see cfir --help");
            return (int)ExitCode.UsageError;
        }
        var config = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // signals are ours (SignalCancellation): a collection must be sealed, not killed
            Error = env.Stderr,
        };
        var token = signals?.Token ?? CancellationToken.None;
        try
        {
            return await parse.InvokeAsync(config, token).ConfigureAwait(false);
        }
        catch (CfirException ex)
        {
            env.Stderr.WriteLine($"cfir: error: {ex.Message}");
            return (int)ex.ExitCode;
        }
        catch (Evidence.Output.OutputWriteException ex)
        {
            // stdout's reader went away (`cfir list --json | head`): not a defect of cfir.
            env.Stderr.WriteLine($"cfir: error: {ex.Message}");
            return (int)ExitCode.OutputError;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            env.Stderr.WriteLine("cfir: interrupted before an archive was opened; nothing was written");
            return (int)ExitCode.Interrupted;
        }
        catch (Exception ex)
        {
            env.Stderr.WriteLine($"cfir: internal error: {ex}");
            return (int)ExitCode.InternalError;
        }
    }

    internal static RootCommand BuildRoot(CliEnvironment env, SignalCancellation? signals, Func<Stream> openStdin)
    {
        var root = new RootCommand("cfir: container forensics evidence collector. Collects Docker, Podman and containerd containers' evidence into one hashed, sealed, verifiable archive.");
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersion(env);
            }
        }
        root.Subcommands.Add(CollectCommand.Create(env, () => signals));
        root.Subcommands.Add(WatchCommand.Create(env, () => signals));
        root.Subcommands.Add(ListCommand.Create(env));
        root.Subcommands.Add(VerifyCommand.Create(env, openStdin));
        root.Subcommands.Add(TimelineCommand.Create(env));
        root.Subcommands.Add(ReportCommand.Create(env));
        return root;
    }

    /// <summary>--version: the version and the commit the binary was built from, on stdout.</summary>
    private sealed class PrintVersion(CliEnvironment env) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            using var stdout = env.OpenStdout();
            stdout.Write(System.Text.Encoding.UTF8.GetBytes(ToolVersion.Describe() + "\n"));
            return 0;
        }
    }
}
