using ContainerForensics.Docker.Discovery;

namespace ContainerForensics.Docker.Tests.Fakes;

/// <summary>
/// A host with only the sockets a test names: the rig's real /var/run/docker.sock must not leak
/// into unit tests. Symlinks are declared as a map from path to target path.
/// </summary>
internal sealed class FakeHostFileSystem(IEnumerable<string> existing, IReadOnlyDictionary<string, string>? links = null) : IHostFileSystem
{
    private readonly HashSet<string> _existing = new(existing, StringComparer.Ordinal);

    public bool Exists(string path) => _existing.Contains(ResolvePath(path)) || _existing.Contains(path);

    public string ResolvePath(string path)
    {
        for (int i = 0; i < 10 && links is not null; i++)
        {
            var hit = links.Keys.FirstOrDefault(k => path == k || path.StartsWith(k + "/", StringComparison.Ordinal));
            if (hit is null)
            {
                break;
            }
            path = links[hit] + path[hit.Length..];
        }
        return path;
    }
}
