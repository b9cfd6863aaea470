namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// A directory of a walk that stopped early, and the names it listed that were never handed
/// out (<see cref="SafeTreeWalker.Unwalked"/>). <see cref="RelativePath"/> is empty for the root.
/// </summary>
public sealed record UnwalkedDirectory(byte[] RelativePath, IReadOnlyList<UnwalkedName> Names);
