using System.CommandLine;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core.Collection;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Compression;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// The options that say what is collected and how, which collect and watch share: the containers
/// and labels selected, the runtimes, what each archive holds and how it is written, the
/// providers' options, --timeout, --parallel and the log. Each command adds them in its own
/// order (<see cref="Options"/>) with its own, and reads them into one
/// <see cref="CollectCommand.Settings"/> (<see cref="Read"/>), so both say the same in --help and
/// collect the same way.
/// </summary>
internal sealed class CollectionOptionSet
{
    public CollectionOptionSet(CliEnvironment env, string containersDescription)
    {
        Containers = new Argument<string[]>("CONTAINER")
        {
            Description = containersDescription,
            Arity = ArgumentArity.ZeroOrMore,
        };
        // System.CommandLine hands an unknown option to a ZeroOrMore argument as a value: without
        // this, a mistyped "--lable x" would start a collection of everything. No engine allows a
        // container name or id that starts with '-'.
        Containers.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-')))
            {
                result.AddError($"Unrecognized option '{token.Value}' (a container name cannot start with '-')");
            }
        });
        var providers = env.Providers();
        Runtime = CommonOptions.Runtime(providers);
        Label = new Option<string[]>("--label", "-l")
        {
            Description = "Only containers with this label (KEY or KEY=VALUE). Repeatable: all must match.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "KEY=VALUE",
        };
        Format = new Option<string>("--format", "-f")
        {
            Description = "Archive format.",
            DefaultValueFactory = _ => "tar.gz",
            HelpName = "tar.gz|tar.zst|tar|zip",
        };
        Format.AcceptOnlyFromAmong("tar.gz", "tar.zst", "tar", "zip");
        ZstdLevel = new Option<int?>("--zstd-level")
        {
            Description = $"tar.zst only: zstd level, {ZstdSettings.MinLevel}-{ZstdSettings.MaxLevel} (default {ZstdSettings.DefaultLevel}: higher levels cost far more CPU for a few percent).",
            HelpName = "N",
        };
        ZstdLevel.Validators.Add(result =>
        {
            // A token that is not a number is the parser's to report.
            if (result.Tokens is [{ } token] && int.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out int level) &&
                (level < ZstdSettings.MinLevel || level > ZstdSettings.MaxLevel))
            {
                result.AddError($"--zstd-level must be between {ZstdSettings.MinLevel} and {ZstdSettings.MaxLevel} (got {level})");
            }
        });
        Filesystem = new Option<string>("--filesystem")
        {
            Description = "Container filesystem to copy: none, changed (the writable layer) or full.",
            DefaultValueFactory = _ => "changed",
            HelpName = "none|changed|full",
        };
        Filesystem.AcceptOnlyFromAmong("none", "changed", "full");
        Case = new Option<string?>("--case") { Description = "Case identifier, recorded in the archive.", HelpName = "ID" };
        Examiner = new Option<string?>("--examiner") { Description = "Who collects, recorded in the archive.", HelpName = "NAME" };
        Note = new Option<string?>("--note") { Description = "Free-text note, recorded in the archive.", HelpName = "TEXT" };
        MaxFileSize = new Option<string?>("--max-file-size")
        {
            Description = "Largest file copied whole (e.g. 512M, 2G); larger ones are truncated or skipped (--oversize) and recorded.",
            HelpName = "SIZE",
        };
        Oversize = new Option<string>("--oversize")
        {
            Description = "What happens to files over --max-file-size.",
            DefaultValueFactory = _ => "truncate",
            HelpName = "truncate|skip",
        };
        Oversize.AcceptOnlyFromAmong("truncate", "skip");
        LogsSince = new Option<string?>("--logs-since") { Description = "Only log lines since this time (ISO-8601) or duration (24h, 7d).", HelpName = "TIME" };
        Volumes = new Option<bool>("--volumes") { Description = "Also copy the content of named volumes (their metadata is always collected)." };
        Memory = new Option<bool>("--memory") { Description = "Also dump the memory of every process of the running containers as ELF core files (gdb -c opens them)." };
        MemoryMax = new Option<string?>("--memory-max")
        {
            Description = "Cap of one process's core file (default 1G); regions past it are left out and recorded.",
            HelpName = "SIZE",
        };
        Hash = new Option<string[]>("--hash")
        {
            Description = "Extra digests besides sha256 in the manifest. Repeatable.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "sha1|md5",
        };
        Hash.AcceptOnlyFromAmong("sha1", "md5");
        PasswordFile = new Option<string?>("--password-file")
        {
            Description = "zip only: encrypt with AES-256 using the first line of this file as the password.",
            HelpName = "PATH",
        };
        SignKey = new Option<string?>("--sign-key")
        {
            Description = "Sign the seal with this OpenSSH private key (ed25519, ecdsa, rsa), or through ssh-agent: 'agent' (its only key) or 'agent:SHA256:...'. Writes SEAL.sig after SEAL.json; ssh-keygen -Y verify -n cfir checks it.",
            HelpName = "PATH|agent",
        };
        SignKeyPassphraseFile = new Option<string?>("--sign-key-passphrase-file")
        {
            Description = "The passphrase of a protected --sign-key, from the file's first line.",
            HelpName = "PATH",
        };
        EncryptTo = new Option<string[]>("--encrypt-to")
        {
            Description = "Encrypt the whole archive with age to this recipient: age1..., an ssh-ed25519 or ssh-rsa public key, or @FILE with one per line. Repeatable. The default name gets .age.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "RECIPIENT",
        };
        ProviderOptions = CommonOptions.ProviderOptions(providers);
        Timeout = CommonOptions.Timeout();
        NestedDepth = CommonOptions.NestedDepth();
        NoNested = CommonOptions.NoNested();
        Json = CommonOptions.Json();
        Quiet = new Option<bool>("--quiet", "-q") { Description = "No progress and no log on stderr (errors still end up in the archive)." };
        Verbose = new Option<bool>("--verbose", "-v") { Description = "Debug log on stderr." };
    }

    public Argument<string[]> Containers { get; }

    public Option<string[]> Runtime { get; }

    public Option<string[]> Label { get; }

    public Option<string> Format { get; }

    public Option<int?> ZstdLevel { get; }

    public Option<string> Filesystem { get; }

    public Option<string?> Case { get; }

    public Option<string?> Examiner { get; }

    public Option<string?> Note { get; }

    public Option<string?> MaxFileSize { get; }

    public Option<string> Oversize { get; }

    public Option<string?> LogsSince { get; }

    public Option<bool> Volumes { get; }

    public Option<bool> Memory { get; }

    public Option<string?> MemoryMax { get; }

    public Option<string[]> Hash { get; }

    public Option<string?> PasswordFile { get; }

    public Option<string?> SignKey { get; }

    public Option<string?> SignKeyPassphraseFile { get; }

    public Option<string[]> EncryptTo { get; }

    public IReadOnlyList<ProviderOption> ProviderOptions { get; }

    public Option<int> Timeout { get; }

    public Option<int> NestedDepth { get; }

    public Option<bool> NoNested { get; }

    public Option<bool> Json { get; }

    public Option<bool> Quiet { get; }

    public Option<bool> Verbose { get; }

    /// <summary><c>--parallel N</c>, 1 to <paramref name="max"/>, described for the command that takes it.</summary>
    public static Option<int> Parallel(string description, int defaultValue, int max)
    {
        var parallel = new Option<int>("--parallel")
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
        };
        parallel.Validators.Add(result =>
        {
            int n = result.GetValueOrDefault<int>();
            if (n < 1 || n > max)
            {
                result.AddError($"--parallel must be between 1 and {max}");
            }
        });
        return parallel;
    }

    /// <summary>What the shared options were given, over <paramref name="into"/>'s other values.</summary>
    public CollectCommand.Settings Read(ParseResult parse, CollectCommand.Settings into) => into with
    {
        Containers = parse.GetValue(Containers) ?? [],
        Runtimes = parse.GetValue(Runtime) ?? ["auto"],
        Labels = parse.GetValue(Label) ?? [],
        Format = ArchiveFormats.TryParse(parse.GetValue(Format) ?? "tar.gz", out var f) ? f : ArchiveFormat.TarGz,
        ZstdLevel = parse.GetValue(ZstdLevel),
        Filesystem = Enum.Parse<FilesystemMode>(parse.GetValue(Filesystem) ?? "changed", ignoreCase: true),
        Case = parse.GetValue(Case),
        Examiner = parse.GetValue(Examiner),
        Note = parse.GetValue(Note),
        MaxFileSize = parse.GetValue(MaxFileSize),
        Oversize = Enum.Parse<OversizePolicy>(parse.GetValue(Oversize) ?? "truncate", ignoreCase: true),
        LogsSince = parse.GetValue(LogsSince),
        Volumes = parse.GetValue(Volumes),
        Memory = parse.GetValue(Memory),
        MemoryMax = parse.GetValue(MemoryMax),
        Hashes = parse.GetValue(Hash) ?? [],
        PasswordFile = parse.GetValue(PasswordFile),
        SignKey = parse.GetValue(SignKey),
        SignKeyPassphraseFile = parse.GetValue(SignKeyPassphraseFile),
        EncryptTo = parse.GetValue(EncryptTo) ?? [],
        ProviderOptions = CommonOptions.Values(parse, ProviderOptions),
        TimeoutSeconds = parse.GetValue(Timeout),
        NestedDepth = CommonOptions.NestedDepthOf(parse, NestedDepth, NoNested),
        Json = parse.GetValue(Json),
        Quiet = parse.GetValue(Quiet),
        Verbose = parse.GetValue(Verbose),
        CommandLine = Environment.GetCommandLineArgs(),
    };
}
