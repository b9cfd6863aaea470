namespace ContainerForensics.Docker.Discovery;

/// <summary>The real file system.</summary>
public sealed class HostFileSystem : IHostFileSystem
{
    private const int MaxSymlinks = 40; // Linux's own limit (MAXSYMLINKS)

    public static HostFileSystem Instance { get; } = new();

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).Exists;

    /// <summary>
    /// Resolves component by component (/var/run is a symlink to /run on most distributions,
    /// and podman-docker links /var/run/docker.sock to the Podman socket). A path that does not
    /// exist resolves as far as it can; the rest is kept as written.
    /// </summary>
    public string ResolvePath(string path)
    {
        if (!path.StartsWith('/'))
        {
            path = Path.GetFullPath(path);
        }
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        int links = 0;
        while (pending.First is { } node)
        {
            string part = node.Value;
            pending.RemoveFirst();
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            string candidate = "/" + string.Join('/', resolved.Append(part));
            string? target = null;
            try
            {
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            if (target is null || ++links > MaxSymlinks)
            {
                resolved.Add(part);
                continue;
            }
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }
            var parts = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--)
            {
                pending.AddFirst(parts[i]);
            }
        }
        return "/" + string.Join('/', resolved);
    }
}
