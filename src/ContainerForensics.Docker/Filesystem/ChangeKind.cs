namespace ContainerForensics.Docker.Filesystem;

/// <summary>The <c>Kind</c> of a <c>GET /containers/{id}/changes</c> entry (Docker's archive.ChangeType).</summary>
internal enum ChangeKind
{
    Modified = 0,
    Added = 1,
    Deleted = 2,
}
