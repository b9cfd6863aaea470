namespace ContainerForensics.Core.Evidence;

/// <summary>The parts of a container's (or an engine's) evidence; the layout maps each to a folder.</summary>
public enum EvidenceSection
{
    Metadata,
    Volatile,
    Logs,
    /// <summary>Files of the writable layer; names are raw paths inside the container.</summary>
    FilesystemChanged,
    /// <summary>Files of the whole filesystem; names are raw paths inside the container.</summary>
    FilesystemFull,
    Volumes,
}
