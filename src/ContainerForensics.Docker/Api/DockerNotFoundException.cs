using System.Net;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// HTTP 404: the object (usually a container) does not exist (any more). Its own type because a
/// container vanishing between listing and collection is normal on a live host.
/// </summary>
public sealed class DockerNotFoundException(string endpoint, string call, string? daemonMessage, string? responseBody)
    : DockerApiException(endpoint, call, HttpStatusCode.NotFound, daemonMessage, responseBody);
