namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// A command-line option a runtime provider reads (<c>--docker-host</c>, <c>--containerd-address</c>,
/// <c>--kubeconfig</c>): declared by the provider that owns it, offered by every command that
/// discovers runtimes, and handed back in <see cref="RuntimeSettings"/> under its <see cref="Flag"/>.
/// </summary>
public sealed record RuntimeOption(string Flag, string Description, string ValueName)
{
    public RuntimeOptionKind Kind { get; init; } = RuntimeOptionKind.Value;

    /// <summary>Other spellings, as users of the runtime's own tools expect them (<c>-n</c> for kubectl's <c>--namespace</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>How an option's values are given.</summary>
public enum RuntimeOptionKind
{
    /// <summary>One value (<c>--kubeconfig PATH</c>).</summary>
    Value,
    /// <summary>Any number of values, one per use (<c>-n a -n b</c>).</summary>
    Repeatable,
    /// <summary>No value: given or not (<c>--allow-exec-plugin</c>).</summary>
    Flag,
}
