using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline;

/// <summary>A log file captured from the image and kept open to be decoded from the very bytes the archive hashed.</summary>
/// <param name="Name">Its name in its folder ("container.log.2.gz").</param>
/// <param name="Length">The length stored: what is decoded.</param>
internal sealed record ImageLogFile(string Name, HostFileContent Content, long Length)
{
    public bool Gzip => Name.EndsWith(".gz", StringComparison.Ordinal);
}
