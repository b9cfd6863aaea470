namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Where to look for runtimes: the values of the providers' own options (<see cref="IRuntimeProvider.Options"/>)
/// from the command line, the environment, and the budget of one call.
/// </summary>
public sealed record RuntimeSettings
{
    /// <summary>The values given for each provider option, by its flag; an option not given is absent (a flag given holds "true").</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Options { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The environment the candidates read (DOCKER_HOST, XDG_RUNTIME_DIR, ...); a seam for tests.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Time budget for one call to a daemon; a daemon that hangs costs this much, once per call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public string? GetEnvironment(string name) => Environment.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>The value given for a provider's option (the last, when given several times); null when it was not given or empty.</summary>
    public string? Option(RuntimeOption option) => Values(option) is [.., var last] && last.Length > 0 ? last : null;

    /// <summary>Every non-empty value given for an option, in order.</summary>
    public IReadOnlyList<string> Values(RuntimeOption option) =>
        Options.TryGetValue(option.Flag, out var v) ? [.. v.Where(s => !string.IsNullOrEmpty(s))] : [];

    /// <summary>Whether a flag (or any option) was given.</summary>
    public bool IsSet(RuntimeOption option) => Values(option).Count > 0;

    /// <summary>These settings with one option's value set, or removed with null (tests, and callers that build settings by hand).</summary>
    public RuntimeSettings With(RuntimeOption option, string? value) => With(option, value is null ? [] : [value]);

    /// <summary>These settings with an option's values replaced.</summary>
    public RuntimeSettings With(RuntimeOption option, IReadOnlyList<string> values)
    {
        var options = new Dictionary<string, IReadOnlyList<string>>(Options, StringComparer.Ordinal);
        if (values.Count == 0)
        {
            options.Remove(option.Flag);
        }
        else
        {
            options[option.Flag] = values;
        }
        return this with { Options = options };
    }

    /// <summary>These settings with a flag given.</summary>
    public RuntimeSettings WithFlag(RuntimeOption option) => With(option, "true");
}
