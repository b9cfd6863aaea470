namespace ContainerForensics.Docker.Api;

/// <summary>The images (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image) area of the Engine API. One method per endpoint.</summary>
public sealed class ImagesApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal ImagesApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary>
    /// <c>GET /images/json[?all=1]</c>, raw: every image with its tags, digests, size and labels
    /// (<c>all</c> adds intermediate images). Podman 4.3 adds <c>Names</c>, <c>Digest</c> and
    /// <c>History</c> and prefixes its tags with <c>localhost/</c>.
    /// </summary>
    public Task<DockerJson> ListRawAsync(bool all, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/images/json" + (all ? "?all=1" : ""), cancellationToken);

    /// <summary>
    /// <c>GET /images/{id}/json</c>, raw: the image's configuration (entrypoint, environment,
    /// labels) and its layers (<c>RootFS</c>). A missing image throws <see cref="DockerNotFoundException"/>.
    /// </summary>
    /// <param name="id">An image id (<c>sha256:...</c>, as a container's inspect names it) or a name.</param>
    public Task<DockerJson> InspectRawAsync(string id, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync($"{_prefix}/images/{Escape(id)}/json", cancellationToken);

    /// <summary>
    /// <c>GET /images/{id}/history</c>, raw: one entry per layer, newest first, with the command
    /// that created it. Podman 4.3 writes the ids without the <c>sha256:</c> prefix and
    /// <c>Tags: null</c> where Docker lists the image's tags.
    /// </summary>
    public Task<DockerJson> HistoryRawAsync(string id, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync($"{_prefix}/images/{Escape(id)}/history", cancellationToken);

    // "sha256:..." goes out as "sha256%3A...": both engines decode it (checked on Docker 20.10, Podman 4.3.1).
    private static string Escape(string id) => Uri.EscapeDataString(id);
}
