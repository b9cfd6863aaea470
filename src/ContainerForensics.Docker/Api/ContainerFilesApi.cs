namespace ContainerForensics.Docker.Api;

/// <summary>
/// The container filesystem: changes, export, archive (#tag/Container) area of the Engine API
/// (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container). One method per
/// endpoint. Tar bodies are streamed, never read whole; the caller disposes the stream.
/// </summary>
public sealed class ContainerFilesApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal ContainerFilesApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary>
    /// <c>GET /containers/{id}/changes</c>: the paths of the writable layer as
    /// <c>[{"Path": "/etc/passwd", "Kind": 0}]</c>, Kind 0 modified, 1 added, 2 deleted. Docker
    /// answers <c>null</c> when nothing changed. Paths arrive as JSON strings: bytes that are not
    /// UTF-8 come back as U+FFFD (Go's encoding/json), so this is a listing, not byte-exact names.
    /// The daemon walks the layer (and without native diff the image) before it answers, so the
    /// budget is the connection's <see cref="DockerConnection.LayerWalkTimeout"/>.
    /// </summary>
    public Task<DockerJson> ChangesRawAsync(string id, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(ChangesUrl(id), cancellationToken, _connection.LayerWalkTimeout);

    /// <summary>
    /// The same answer as <see cref="ChangesRawAsync"/>, as a stream: the body is not read whole
    /// or parsed (a layer of a million files answers some 50 MB of JSON). The headers come when
    /// the daemon has finished the diff, then the body follows at once.
    /// </summary>
    public Task<Stream> ChangesStreamAsync(string id, CancellationToken cancellationToken) =>
        _connection.GetStreamAsync(ChangesUrl(id), cancellationToken, _connection.LayerWalkTimeout);

    /// <summary>
    /// <c>GET /containers/{id}/export</c>: the whole filesystem of the container (running or
    /// stopped) as one tar stream, without volumes and without the engine's bind mounts.
    /// </summary>
    public Task<Stream> ExportAsync(string id, CancellationToken cancellationToken) =>
        _connection.GetStreamAsync(ExportUrl(id), cancellationToken);

    /// <summary>
    /// <c>GET /containers/{id}/archive?path=</c>: one path of the container as a tar stream whose
    /// first entry is the path itself under its base name (a directory comes with its subtree).
    /// A missing path is a <see cref="DockerNotFoundException"/>, as is a missing container.
    /// Docker archives a final symlink as the link; Podman 4.3 follows it and archives the
    /// target under the link's name (checked on the rig), so callers that care use the export.
    /// </summary>
    public Task<Stream> ArchiveAsync(string id, string path, CancellationToken cancellationToken) =>
        _connection.GetStreamAsync(ArchiveUrl(id, path), cancellationToken);

    /// <summary>The call <see cref="ChangesRawAsync"/> and <see cref="ChangesStreamAsync"/> make, as errors and evidence name it (<c>GET /v1.41/containers/ID/changes</c>).</summary>
    public string ChangesCall(string id) => "GET " + ChangesUrl(id);

    /// <summary>The call <see cref="ExportAsync"/> makes.</summary>
    public string ExportCall(string id) => "GET " + ExportUrl(id);

    /// <summary>The call <see cref="ArchiveAsync"/> makes.</summary>
    public string ArchiveCall(string id, string path) => "GET " + ArchiveUrl(id, path);

    private string ChangesUrl(string id) => $"{_prefix}/containers/{Escape(id)}/changes";

    private string ExportUrl(string id) => $"{_prefix}/containers/{Escape(id)}/export";

    private string ArchiveUrl(string id, string path) => $"{_prefix}/containers/{Escape(id)}/archive?path={Uri.EscapeDataString(path)}";

    private static string Escape(string id) => Uri.EscapeDataString(id);
}
