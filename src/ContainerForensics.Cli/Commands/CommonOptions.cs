using System.CommandLine;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Cli.Commands;

/// <summary>Options that collect and list share, so both say the same thing in --help.</summary>
internal static class CommonOptions
{
    public static readonly string[] RuntimeNames = ["auto", "docker", "podman", "containerd"];

    public static Option<string[]> Runtime() => new Option<string[]>("--runtime", "-r")
    {
        Description = "Runtime to collect from: auto (every local runtime that answers), docker, podman, containerd. Repeatable.",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => ["auto"],
        HelpName = "auto|docker|podman|containerd",
    }.AcceptOnlyFromAmongFluent(RuntimeNames);

    public static Option<string?> DockerHost() => new("--docker-host")
    {
        Description = "Docker or Podman API endpoint (unix:///path, tcp://host:port). Default: $DOCKER_HOST, then the usual sockets.",
        HelpName = "URL",
    };

    public static Option<string?> ContainerdAddress() => new("--containerd-address")
    {
        Description = "containerd socket. Default: $CONTAINERD_ADDRESS, then /run/containerd/containerd.sock.",
        HelpName = "PATH",
    };

    public static Option<string?> ContainerdNamespace() => new("--containerd-namespace")
    {
        Description = "Only this containerd namespace (default: every namespace).",
        HelpName = "NAME",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Write a machine-readable summary to stdout (not when the archive itself goes to stdout).",
    };

    /// <summary>The largest <c>--timeout</c> taken as given (a day); a larger one is taken as this.</summary>
    public const int MaxTimeoutSeconds = 86_400;

    public static Option<int> Timeout()
    {
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds one call to a daemon may take before it is given up and recorded (1 to 86400).",
            DefaultValueFactory = _ => 15,
            HelpName = "SECONDS",
        };
        // 0 or a negative budget is a mistake, not "no budget": refused rather than quietly made 1 s.
        timeout.Validators.Add(result =>
        {
            // A token that is not a number is the parser's to report.
            if (result.Tokens is [{ } token] && int.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out int seconds) && seconds < 1)
            {
                result.AddError($"--timeout must be at least 1 second (1 to {MaxTimeoutSeconds})");
            }
        });
        return timeout;
    }

    /// <summary>The flags only: each provider reads its own environment variables (DOCKER_HOST, CONTAINERD_ADDRESS) as a candidate of its own.</summary>
    public static RuntimeSettings Settings(string? dockerHost, string? containerdAddress, string? containerdNamespace, int timeoutSeconds, IReadOnlyDictionary<string, string?> env) => new()
    {
        DockerHost = dockerHost,
        ContainerdAddress = containerdAddress,
        ContainerdNamespace = containerdNamespace,
        Environment = env,
        // A day at most: timers refuse delays past 24.8 days, and a layer walk gets eight budgets.
        CallTimeout = TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds, 1, MaxTimeoutSeconds)),
    };

    private static Option<T> AcceptOnlyFromAmongFluent<T>(this Option<T> option, string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
