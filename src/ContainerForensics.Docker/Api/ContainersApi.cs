using System.Globalization;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// The containers area of the Engine API (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container).
/// Each method is one endpoint.
/// </summary>
public sealed class ContainersApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal ContainersApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary><c>GET /containers/json[?all=1]</c>, raw.</summary>
    public Task<DockerJson> ListRawAsync(bool all, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/containers/json" + (all ? "?all=1" : ""), cancellationToken);

    /// <summary><c>GET /containers/json[?all=1]</c>, parsed.</summary>
    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(bool all, CancellationToken cancellationToken)
    {
        var raw = await ListRawAsync(all, cancellationToken).ConfigureAwait(false);
        return ContainerSummary.ParseList(raw, _connection.Endpoint.ToString());
    }

    /// <summary>
    /// <c>GET /containers/{id}/json</c>: the inspect document byte-exact (evidence) with its parsed view.
    /// A container that does not exist throws <see cref="DockerNotFoundException"/>.
    /// </summary>
    public Task<DockerJson> InspectRawAsync(string id, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync($"{_prefix}/containers/{Escape(id)}/json", cancellationToken);

    /// <summary><c>GET /containers/{id}/json</c>, with a typed view of the fields cfir relies on.</summary>
    public async Task<ContainerInspect> InspectAsync(string id, CancellationToken cancellationToken) =>
        new(await InspectRawAsync(id, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// <c>GET /containers/{id}/logs?stdout=1&amp;stderr=1</c>, streamed: both streams in one body.
    /// See <see cref="LogsAsync(string, bool, bool, DateTimeOffset?, bool, CancellationToken)"/>.
    /// </summary>
    public Task<Stream> LogsAsync(string id, DateTimeOffset? since, bool timestamps, CancellationToken cancellationToken) =>
        LogsAsync(id, stdout: true, stderr: true, since, timestamps, cancellationToken);

    /// <summary>
    /// <c>GET /containers/{id}/logs?stdout=..&amp;stderr=..</c>, streamed, the whole history (no
    /// <c>follow</c>, no <c>tail</c>). The daemon frames the body by the container's own TTY setting
    /// (the inspect document's <c>Config.Tty</c>): without a TTY it is the multiplexed stream, read
    /// split it with Logs/LogStreamSplitter (<see cref="MultiplexedFraming"/>); with a TTY it is the raw terminal output, in
    /// which the daemon cannot tell stderr from stdout (Docker 20.10 and Podman 4.3 both send all
    /// of it for <c>stdout=1</c> and nothing for <c>stdout=0&amp;stderr=1</c>). The caller disposes the stream.
    /// </summary>
    /// <param name="stdout">Ask for the container's stdout.</param>
    /// <param name="stderr">Ask for the container's stderr; one stream per call keeps them apart without relying on the framing order.</param>
    /// <param name="since">Only lines at or after this time; null for the whole log.</param>
    /// <param name="timestamps">Prefix each line with the engine's RFC 3339 timestamp (Docker: nanoseconds; Podman 4.3's compat API: whole seconds).</param>
    public Task<Stream> LogsAsync(string id, bool stdout, bool stderr, DateTimeOffset? since, bool timestamps, CancellationToken cancellationToken)
    {
        if (!stdout && !stderr)
        {
            throw new ArgumentException("ask for stdout, stderr or both", nameof(stdout));
        }
        var query = (stdout ? "stdout=1" : "stdout=0") + (stderr ? "&stderr=1" : "&stderr=0");
        if (since is { } s)
        {
            // Both take "seconds.nanoseconds" since the epoch: Docker exactly, Podman 4.3 as a float
            // (sub-microsecond digits are lost there).
            var t = UnixTime.FromDateTimeOffset(s);
            query += "&since=" + t.Seconds.ToString(CultureInfo.InvariantCulture) + "." + t.Nanoseconds.ToString("D9", CultureInfo.InvariantCulture);
        }
        if (timestamps)
        {
            query += "&timestamps=1";
        }
        return _connection.GetStreamAsync($"{_prefix}/containers/{Escape(id)}/logs?{query}", cancellationToken);
    }

    private static string Escape(string id) => Uri.EscapeDataString(id);
}
