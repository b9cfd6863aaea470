namespace ContainerForensics.Docker.Api;

/// <summary>The daemon could not be reached, or the connection broke before an answer arrived.</summary>
public sealed class DockerConnectionException(string endpoint, string call, string detail, Exception? inner)
    : DockerException(endpoint, call, detail, inner);
