namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// A command-line option a runtime provider reads (<c>--docker-host</c>, <c>--containerd-address</c>):
/// declared by the provider that owns it, offered by every command that discovers runtimes, and
/// handed back in <see cref="RuntimeSettings"/> under its <see cref="Flag"/>.
/// </summary>
public sealed record RuntimeOption(string Flag, string Description, string ValueName);
