using System.CommandLine;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Cli.Commands;

/// <summary>Options that collect and list share, so both say the same thing in --help.</summary>
internal static class CommonOptions
{
    /// <summary><c>--runtime</c>: auto, or the name of a provider cfir knows.</summary>
    public static Option<string[]> Runtime(IReadOnlyList<IRuntimeProvider> providers)
    {
        string[] names = ["auto", .. providers.Select(p => p.Name)];
        var runtime = new Option<string[]>("--runtime", "-r")
        {
            Description = $"Runtime to collect from: auto (every local runtime that answers), {string.Join(", ", names.Skip(1))}. Repeatable.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => ["auto"],
            HelpName = string.Join('|', names),
        };
        runtime.AcceptOnlyFromAmong(names);
        return runtime;
    }

    /// <summary>The options the providers declare, each offered once, in the providers' order.</summary>
    public static IReadOnlyList<ProviderOption> ProviderOptions(IReadOnlyList<IRuntimeProvider> providers) =>
        [.. providers.SelectMany(p => p.Options).DistinctBy(o => o.Flag, StringComparer.Ordinal).Select(o => new ProviderOption(o, Create(o)))];

    private static Option Create(RuntimeOption spec)
    {
        string[] aliases = [.. spec.Aliases];
        return spec.Kind switch
        {
            RuntimeOptionKind.Flag => new Option<bool>(spec.Flag, aliases) { Description = spec.Description },
            RuntimeOptionKind.Repeatable => new Option<string[]>(spec.Flag, aliases)
            {
                Description = spec.Description,
                HelpName = spec.ValueName,
                Arity = ArgumentArity.OneOrMore,
                AllowMultipleArgumentsPerToken = false,
            },
            _ => new Option<string?>(spec.Flag, aliases) { Description = spec.Description, HelpName = spec.ValueName },
        };
    }

    /// <summary>What was given for the providers' options, by flag; options not given are left out.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Values(ParseResult parse, IReadOnlyList<ProviderOption> options)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (spec, option) in options)
        {
            IReadOnlyList<string> given = option switch
            {
                Option<bool> flag => parse.GetValue(flag) ? ["true"] : [],
                Option<string[]> many => parse.GetValue(many) ?? [],
                Option<string?> one => parse.GetValue(one) is { } v ? [v] : [],
                _ => throw new InvalidOperationException($"unexpected option type for {spec.Flag}"),
            };
            if (given.Count > 0)
            {
                values[spec.Flag] = given;
            }
        }
        return values;
    }

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

    /// <summary><c>--nested-depth N</c>: how many levels of containers to look inside for nested runtimes.</summary>
    public static Option<int> NestedDepth()
    {
        var depth = new Option<int>("--nested-depth")
        {
            Description = $"Look inside running containers for nested runtimes (kind nodes, Docker-in-Docker) this many levels deep (0-{DiscoveryRequest.MaxNestedDepth}).",
            DefaultValueFactory = _ => DiscoveryRequest.DefaultNestedDepth,
            HelpName = "N",
        };
        depth.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > DiscoveryRequest.MaxNestedDepth)
            {
                result.AddError($"--nested-depth must be between 0 and {DiscoveryRequest.MaxNestedDepth}");
            }
        });
        return depth;
    }

    /// <summary><c>--no-nested</c>: the same as <c>--nested-depth 0</c>.</summary>
    public static Option<bool> NoNested() => new("--no-nested")
    {
        Description = "Do not look inside containers for nested runtimes (the same as --nested-depth 0).",
    };

    /// <summary>The depth asked for: 0 with --no-nested, which wins over any --nested-depth.</summary>
    public static int NestedDepthOf(ParseResult parse, Option<int> depth, Option<bool> noNested) =>
        parse.GetValue(noNested) ? 0 : parse.GetValue(depth);

    /// <summary><c>--root DIR</c>: dead-box, every runtime read from a mounted disk image.</summary>
    public static Option<string?> Root() => new("--root")
    {
        Description = "Dead-box: read the engines' state from the disk image mounted at DIR (read-only, nothing beneath it followed out; no daemon is asked, nothing of this host is read).",
        HelpName = "DIR",
    };

    /// <summary>
    /// Opens the image named with --root, or null for a live run. A read-write mount is warned
    /// about on stderr at once (the acquisition record says it too): evidence should be mounted
    /// read-only, and the responder can still stop before anything is read.
    /// </summary>
    public static DiskImage? OpenImage(string? root, CliEnvironment env)
    {
        if (root is null)
        {
            return null;
        }
        var image = DiskImage.Open(root, env.WorkingDirectory);
        if (image.MountedReadWrite)
        {
            env.Stderr.WriteLine($"cfir: warning: {image.Root} is on a read-write mount ({System.Text.Encoding.UTF8.GetString(image.Mount!.MountPoint)}); cfir only reads it, but mount evidence read-only (mount -o ro,noload)");
        }
        return image;
    }

    /// <summary>What discovery is asked, from what both commands parse.</summary>
    public static DiscoveryRequest Discovery(IReadOnlyList<string> runtimes, IReadOnlyDictionary<string, IReadOnlyList<string>> providerOptions, int timeoutSeconds, int nestedDepth, IReadOnlyDictionary<string, string?> env, DiskImage? image = null) => new()
    {
        Runtimes = runtimes,
        Settings = Settings(providerOptions, timeoutSeconds, env),
        NestedDepth = image is null ? nestedDepth : 0,
        DiskImage = image,
    };

    /// <summary>The flags only: each provider reads its own environment variables (DOCKER_HOST, CONTAINERD_ADDRESS) as a candidate of its own.</summary>
    public static RuntimeSettings Settings(IReadOnlyDictionary<string, IReadOnlyList<string>> providerOptions, int timeoutSeconds, IReadOnlyDictionary<string, string?> env) => new()
    {
        Options = providerOptions,
        Environment = env,
        // A day at most: timers refuse delays past 24.8 days, and a layer walk gets eight budgets.
        CallTimeout = TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds, 1, MaxTimeoutSeconds)),
    };

}

/// <summary>A provider's option (<see cref="RuntimeOption"/>) and the command-line option that carries it.</summary>
internal sealed record ProviderOption(RuntimeOption Spec, Option Option);
