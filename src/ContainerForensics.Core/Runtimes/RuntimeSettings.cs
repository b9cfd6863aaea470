namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Where to look for runtimes: the values of the providers' own options (<see cref="IRuntimeProvider.Options"/>)
/// from the command line, the environment, and the budget of one call.
/// </summary>
public sealed record RuntimeSettings
{
    /// <summary>Each provider option given, by its flag; an option not given is absent.</summary>
    public IReadOnlyDictionary<string, string?> Options { get; init; } = new Dictionary<string, string?>();

    /// <summary>The environment the candidates read (DOCKER_HOST, XDG_RUNTIME_DIR, ...); a seam for tests.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Time budget for one call to a daemon; a daemon that hangs costs this much, once per call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public string? GetEnvironment(string name) => Environment.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>The value given for a provider's option; null when it was not given or empty.</summary>
    public string? Option(RuntimeOption option) => Options.TryGetValue(option.Flag, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    /// <summary>These settings with one option's value set (tests, and callers that build settings by hand).</summary>
    public RuntimeSettings With(RuntimeOption option, string? value) =>
        this with { Options = new Dictionary<string, string?>(Options, StringComparer.Ordinal) { [option.Flag] = value } };
}
