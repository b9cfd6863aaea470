using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// A connection to one Docker-compatible daemon (Docker Engine or Podman's compat service),
/// with the API version negotiated: <c>GET /version</c> on the unversioned path first, then every
/// path is prefixed with <c>/v{min(server ApiVersion, <see cref="MaxApiVersion"/>)}</c>, the way
/// the Docker CLI negotiates (https://docs.docker.com/reference/api/engine/#api-version-matrix).
/// One small class per API area hangs off it; each method is one endpoint.
/// </summary>
public sealed class DockerClient : IDisposable
{
    /// <summary>The newest API version whose answers this client was written against.</summary>
    public static readonly DockerApiVersion MaxApiVersion = new(1, 47);

    private readonly DockerConnection _connection;

    private DockerClient(DockerConnection connection, DockerVersion version, DockerApiVersion? apiVersion)
    {
        _connection = connection;
        ServerVersion = version;
        ApiVersion = apiVersion;
        string prefix = apiVersion?.PathPrefix ?? "";
        Containers = new ContainersApi(connection, prefix);
        System = new SystemApi(connection, prefix);
        Images = new ImagesApi(connection, prefix);
        Networks = new NetworksApi(connection, prefix);
        Volumes = new VolumesApi(connection, prefix);
        ContainerFiles = new ContainerFilesApi(connection, prefix);
        State = new ContainerStateApi(connection, prefix);
        if (version.IsPodman && version.LibpodApiVersion is { } libpod)
        {
            Libpod = new LibpodApi(connection, "/v" + libpod);
        }
    }

    public DockerEndpoint Endpoint => _connection.Endpoint;

    public TimeSpan CallTimeout => _connection.CallTimeout;

    /// <summary>The daemon's /version answer from the negotiation: raw bytes and parsed view.</summary>
    public DockerVersion ServerVersion { get; }

    /// <summary>The version used in paths; null when the daemon named none (then paths are unversioned).</summary>
    public DockerApiVersion? ApiVersion { get; }

    public ContainersApi Containers { get; }

    public SystemApi System { get; }

    public ImagesApi Images { get; }

    public NetworksApi Networks { get; }

    public VolumesApi Volumes { get; }

    /// <summary>A container's filesystem: changes, export, archive.</summary>
    public ContainerFilesApi ContainerFiles { get; }

    public ContainerStateApi State { get; }

    /// <summary>Podman's own API on the same socket; null for Docker.</summary>
    public LibpodApi? Libpod { get; }

    /// <summary>Connects and negotiates. Throws a <see cref="DockerException"/> when the daemon does not answer /version.</summary>
    public static Task<DockerClient> ConnectAsync(DockerEndpoint endpoint, TimeSpan callTimeout, TimeProvider clock, CancellationToken cancellationToken) =>
        ConnectAsync(new DockerConnection(endpoint, DockerHandlerFactory.Create(endpoint), callTimeout, clock), cancellationToken);

    internal static async Task<DockerClient> ConnectAsync(DockerConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            // Unversioned: the one path every daemon answers whatever version it speaks.
            var raw = await connection.GetJsonAsync("/version", cancellationToken).ConfigureAwait(false);
            var version = DockerVersion.Parse(raw);
            return new DockerClient(connection, version, Negotiate(version.ApiVersion, version.MinApiVersion));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Which kind of daemon answers, without negotiating: <c>GET /_ping</c> (unversioned), true when
    /// the answer carries Podman's <c>Libpod-Api-Version</c> header (Podman 4.3.1 sends it on
    /// every compat answer; Docker never does). Cheap where <c>/version</c> is not: Podman 4.3.1
    /// takes about a second to answer /version and 2 ms to answer /_ping (measured on the rig).
    /// </summary>
    public static async Task<bool> IsPodmanAsync(DockerEndpoint endpoint, TimeSpan callTimeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var connection = new DockerConnection(endpoint, DockerHandlerFactory.Create(endpoint), callTimeout, clock);
        return await IsPodmanAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<bool> IsPodmanAsync(DockerConnection connection, CancellationToken cancellationToken)
    {
        var headers = await connection.GetHeadersAsync("/_ping", cancellationToken).ConfigureAwait(false);
        return headers.ContainsKey(PodmanPingHeader);
    }

    internal const string PodmanPingHeader = "Libpod-Api-Version";

    /// <summary>
    /// min(server, ours). A daemon whose oldest accepted version is newer than ours gets its
    /// oldest (answers may then carry fields we do not know, which the parsed views ignore); a
    /// daemon that names no version gets unversioned paths, i.e. its own current version.
    /// </summary>
    public static DockerApiVersion? Negotiate(DockerApiVersion? server, DockerApiVersion? serverMinimum)
    {
        if (server is not { } s)
        {
            return null;
        }
        var chosen = s < MaxApiVersion ? s : MaxApiVersion;
        if (serverMinimum is { } min && chosen < min && min <= s)
        {
            chosen = min;
        }
        return chosen;
    }

    public void Dispose() => _connection.Dispose();
}
