namespace ContainerForensics.Docker.Api;

/// <summary>The daemon answered something that is not what the API promises (bad JSON, a body over the limit).</summary>
public sealed class DockerProtocolException(string endpoint, string call, string detail, Exception? inner = null)
    : DockerException(endpoint, call, detail, inner);
