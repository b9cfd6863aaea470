namespace ContainerForensics.Containerd;

/// <summary>
/// A path with every symbolic link resolved, as realpath(3) does, so that two names of one
/// socket (/var/run/x and /run/x on most distributions) are seen to be one. Components that do
/// not exist are kept as they are.
/// </summary>
internal static class RealPath
{
    private const int MaxLinks = 40; // Linux's MAXSYMLINKS

    public static string Resolve(string path)
    {
        var pending = new Stack<string>(Segments(Path.GetFullPath(path)).Reverse());
        string current = "/";
        int links = 0;
        while (pending.Count > 0)
        {
            string segment = pending.Pop();
            if (segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            string next = Path.Join(current, segment);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: keep the name as it is.
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks)
            {
                return Path.GetFullPath(path); // a loop: give up on resolving, the caller still has a name
            }
            foreach (string s in Segments(target).Reverse())
            {
                pending.Push(s);
            }
            if (Path.IsPathRooted(target))
            {
                current = "/";
            }
        }
        return current;
    }

    private static IEnumerable<string> Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
