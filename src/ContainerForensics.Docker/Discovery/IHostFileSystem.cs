namespace ContainerForensics.Docker.Discovery;

/// <summary>What discovery asks of the host's file system; a seam so tests can describe any host.</summary>
public interface IHostFileSystem
{
    /// <summary>Whether something (a socket, normally) exists at the path; symlinks are followed.</summary>
    bool Exists(string path);

    /// <summary>The path with every symlink resolved (like realpath(3)), so two names of one socket compare equal.</summary>
    string ResolvePath(string path);
}
