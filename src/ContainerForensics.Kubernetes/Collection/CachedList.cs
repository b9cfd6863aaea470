namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// A list read once per run and shared by every pod that needs it (<see cref="ClusterCache"/>):
/// only the items that can matter to a pod are kept (bounded memory), with how many the list
/// had, or why it could not be read. A failure is data: each pod records it in its own entry.
/// </summary>
/// <param name="Path">The collection's path, for descriptions and failure records.</param>
/// <param name="Items">The items kept.</param>
/// <param name="Count">How many items the list had, kept or not.</param>
/// <param name="Failure">Why the list could not be read whole; then <paramref name="Items"/> is empty.</param>
internal sealed record CachedList<T>(string Path, IReadOnlyList<T> Items, int Count, Exception? Failure);

/// <summary>One object read once per run (a Role, a ClusterRole): its bytes, or why not.</summary>
internal sealed record CachedDocument(string Path, byte[]? Bytes, Exception? Failure);

/// <summary>A list item kept for per-pod decisions: its name, what decides whether it concerns a pod, and the server's bytes of the item.</summary>
internal sealed record ListedItem<T>(string Name, T Decision, byte[] Bytes);
