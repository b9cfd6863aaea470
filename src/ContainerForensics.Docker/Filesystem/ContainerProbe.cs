using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>Asks the engine whether a container still exists: after a source broke, a 404 means it was removed under us.</summary>
internal sealed class ContainerProbe(DockerClient client, string containerId)
{
    /// <summary>False only on a 404; any other answer (or failure) is not proof that it is gone.</summary>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.Containers.InspectRawAsync(containerId, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerNotFoundException)
        {
            return false;
        }
        catch (DockerException)
        {
            return true;
        }
    }
}
