namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// The namespaces a container's processes are compared with to tell whether they share the
/// host's: those of pid 1 of the procfs read (the host's init, when cfir runs on the host or in
/// the host's pid namespace), else cfir's own, where pid 1's links cannot be read (a sandbox's
/// ptrace rules deny them). processes.json carries them (<c>hostNamespaces</c>) so that the
/// report can see what an engine's inspect may not say: Podman 4.3's says
/// <c>IpcMode: shareable</c> of a container run with <c>--ipc host</c>.
/// </summary>
internal sealed record HostNamespaces(string From, IReadOnlyDictionary<string, string> Links)
{
    /// <summary>The namespace types the kernel links under /proc/&lt;pid&gt;/ns that a container can share.</summary>
    private static readonly string[] Types = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

    public static HostNamespaces? Read(string procRoot)
    {
        foreach (string who in (string[])["1", "self"])
        {
            var links = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (string type in Types)
            {
                try
                {
                    if (new FileInfo($"{procRoot}/{who}/ns/{type}").LinkTarget is { } target)
                    {
                        links[type] = target;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Not readable (EACCES under ptrace rules) or not there (an old kernel's type): left out.
                }
            }
            if (links.Count > 0)
            {
                return new HostNamespaces($"{procRoot}/{who}/ns", links);
            }
        }
        return null;
    }
}
