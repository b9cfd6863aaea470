using System.Globalization;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Api;

/// <summary>The system area of the Engine API (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/System).</summary>
public sealed class SystemApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal SystemApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary>The client's clock, for the times sent in queries (the same clock that stamps every answer).</summary>
    internal TimeProvider Clock => _connection.Clock;

    /// <summary><c>GET /version</c> on the negotiated path, raw (the client keeps the answer from negotiation too).</summary>
    public Task<DockerJson> VersionRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/version", cancellationToken);

    /// <summary><c>GET /info</c>, raw: engine configuration, storage driver, security options, counts.</summary>
    public Task<DockerJson> InfoRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/info", cancellationToken);

    /// <summary>
    /// <c>GET /system/df</c>, raw: disk usage of images, containers (their writable layers),
    /// volumes and build cache. The daemon sizes every writable layer for it, so on a large host
    /// it is the slowest call here. Podman 4.3 answers with image ids without <c>sha256:</c>,
    /// <c>RepoTags</c> holding only the tag part, empty <c>Labels</c> and <c>LayersSize</c> 0.
    /// Its budget is the connection's <see cref="DockerConnection.LayerWalkTimeout"/>.
    /// </summary>
    public Task<DockerJson> DiskUsageRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/system/df", cancellationToken, _connection.LayerWalkTimeout);

    /// <summary>
    /// <c>GET /events?since=..&amp;until=..</c>, streamed: the events the daemon kept in that range,
    /// one JSON object per line. With <c>until</c> set Docker sends what it has and ends the
    /// stream once its own clock passes <c>until</c>, so pass the daemon's "now", not a future
    /// time. Not for Podman: see <see cref="LoggedEventsAsync"/>. The caller disposes the stream.
    /// </summary>
    public Task<Stream> EventsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
        _connection.GetStreamAsync(EventsPath(since, until), cancellationToken);

    /// <summary>
    /// <c>GET /events?since=..&amp;stream=false</c>, streamed: Podman's form of "every event logged
    /// since then". <c>stream=false</c> is Podman's extension of the compat API (Docker ignores it
    /// and would never end): Podman reads its event log to the end and closes the stream.
    /// Podman 4.3 with the file event logger returns nothing at all when <c>until</c> lies in the
    /// past (its reader is stopped before it reads; https://github.com/podman-container-tools/podman/issues/29579),
    /// hence no <c>until</c> here. The caller disposes the stream.
    /// </summary>
    public Task<Stream> LoggedEventsAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        _connection.GetStreamAsync(LoggedEventsPath(since), cancellationToken);

    /// <summary>
    /// <c>GET /events?since=..&amp;filters={"type":["container"]}</c> with no <c>until</c>: the
    /// daemon's container events as they happen, one JSON object per line, open until the caller
    /// disposes it. A read waits as long as nothing happens (no idle budget); the connection
    /// itself still has the call budget.
    /// </summary>
    public Task<Stream> FollowContainerEventsAsync(DateTimeOffset? since, CancellationToken cancellationToken) =>
        _connection.GetStreamAsync(FollowPath(since), cancellationToken, idleTimeout: Timeout.InfiniteTimeSpan);

    private string FollowPath(DateTimeOffset? since) =>
        $"{_prefix}/events?{(since is { } t ? "since=" + UnixSeconds(t) + "&" : "")}filters=%7B%22type%22%3A%5B%22container%22%5D%7D";

    /// <summary>The call <see cref="EventsAsync"/> makes, as errors and evidence name it.</summary>
    public string EventsCall(DateTimeOffset since, DateTimeOffset until) => "GET " + EventsPath(since, until);

    /// <summary>The call <see cref="LoggedEventsAsync"/> makes.</summary>
    public string LoggedEventsCall(DateTimeOffset since) => "GET " + LoggedEventsPath(since);

    private string EventsPath(DateTimeOffset since, DateTimeOffset until) =>
        $"{_prefix}/events?since={UnixSeconds(since)}&until={UnixSeconds(until)}";

    private string LoggedEventsPath(DateTimeOffset since) => $"{_prefix}/events?since={UnixSeconds(since)}&stream=false";

    /// <summary>"seconds.nanoseconds" since the epoch: Docker parses it exactly, Podman 4.3 as a float.</summary>
    private static string UnixSeconds(DateTimeOffset t)
    {
        var u = UnixTime.FromDateTimeOffset(t);
        return u.Seconds.ToString(CultureInfo.InvariantCulture) + "." + u.Nanoseconds.ToString("D9", CultureInfo.InvariantCulture);
    }
}
