using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ContainerForensics.Docker.Transport;

/// <summary>
/// Where a Docker-compatible API listens, parsed the way the Docker CLI reads <c>-H</c> /
/// <c>DOCKER_HOST</c> (https://docs.docker.com/reference/cli/dockerd/#daemon-socket-option):
/// <list type="bullet">
/// <item><c>unix:///path</c> or a bare absolute <c>/path</c>: a unix socket;</item>
/// <item><c>tcp://host[:port]</c> (also <c>http://</c>): TCP, port 2375 by default, 2376 with TLS;</item>
/// <item><c>https://host[:port]</c>: TCP with TLS even without TLS settings from the environment.</item>
/// </list>
/// <c>ssh://</c>, <c>npipe://</c> and <c>fd://</c> are refused with a reason: a collector on a
/// compromised host does not spawn ssh, and the others do not exist on Linux clients.
/// </summary>
public sealed class DockerEndpoint : IEquatable<DockerEndpoint>
{
    private DockerEndpoint(DockerEndpointKind kind, string? socketPath, string? host, int port, DockerTlsSettings? tls, string? label = null)
    {
        Kind = kind;
        SocketPath = socketPath;
        Host = host;
        Port = port;
        Tls = tls;
        _label = label;
    }

    /// <summary>What records call a socket that is connected through another path (<see cref="NestedUnix"/>).</summary>
    private readonly string? _label;

    /// <summary>Where the socket lies, for records: <see cref="SocketPath"/>, or for one found inside a container the path through its root.</summary>
    public string? SocketLocation => _label is null ? SocketPath : _label["unix://".Length..];

    public DockerEndpointKind Kind { get; }

    /// <summary>The socket path, for <see cref="DockerEndpointKind.Unix"/>.</summary>
    public string? SocketPath { get; }

    /// <summary>Host name or address (IPv6 without brackets), for <see cref="DockerEndpointKind.Tcp"/>.</summary>
    public string? Host { get; }

    public int Port { get; }

    /// <summary>TLS settings, for TCP endpoints that use TLS; null means plain.</summary>
    public DockerTlsSettings? Tls { get; }

    public bool UsesTls => Tls is not null;

    /// <summary>The base address HTTP requests are made against. For a unix socket the host is a placeholder.</summary>
    public Uri BaseAddress => Kind == DockerEndpointKind.Unix
        ? new Uri("http://localhost/")
        : new Uri($"{(UsesTls ? "https" : "http")}://{HostForUri}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    private string? HostForUri => Host is not null && Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host;

    public static DockerEndpoint Unix(string socketPath)
    {
        if (!socketPath.StartsWith('/'))
        {
            throw new FormatException($"unix socket path '{socketPath}' is not absolute");
        }
        return new DockerEndpoint(DockerEndpointKind.Unix, socketPath, null, 0, null);
    }

    /// <summary>
    /// A socket found inside a container: connected through <paramref name="connectPath"/> (this
    /// process's descriptor of the socket Core resolved there, <c>/proc/self/fd/N</c>), named in
    /// records by where it lies (<c>/proc/&lt;pid&gt;/root/var/run/docker.sock</c>).
    /// </summary>
    public static DockerEndpoint NestedUnix(string connectPath, string location)
    {
        var endpoint = Unix(connectPath);
        return new DockerEndpoint(DockerEndpointKind.Unix, endpoint.SocketPath, null, 0, null, "unix://" + location);
    }

    /// <summary>Parses an endpoint; <paramref name="tls"/> applies to <c>tcp://</c> (as DOCKER_TLS_VERIFY/DOCKER_CERT_PATH do).</summary>
    /// <exception cref="FormatException">The text is not an endpoint cfir can use; the message says why.</exception>
    public static DockerEndpoint Parse(string text, DockerTlsSettings? tls = null) =>
        TryParse(text, tls, out var endpoint, out var error) ? endpoint : throw new FormatException(error);

    public static bool TryParse(string? text, DockerTlsSettings? tls, [NotNullWhen(true)] out DockerEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty endpoint";
            return false;
        }
        text = text.Trim();
        if (text.StartsWith('/'))
        {
            endpoint = Unix(text);
            return true;
        }
        int sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            error = $"'{text}' is neither an absolute socket path nor a URL (unix://, tcp://)";
            return false;
        }
        string scheme = text[..sep].ToLowerInvariant();
        string rest = text[(sep + 3)..];
        switch (scheme)
        {
            case "unix":
                if (!rest.StartsWith('/'))
                {
                    error = $"'{text}': the socket path must be absolute (unix:///path)";
                    return false;
                }
                endpoint = Unix(rest);
                return true;
            case "tcp":
            case "http":
                return TryParseTcp(text, rest, tls, out endpoint, out error);
            case "https":
                return TryParseTcp(text, rest, tls ?? DockerTlsSettings.SystemTrust, out endpoint, out error);
            case "ssh":
                error = $"'{text}': ssh endpoints are not supported (cfir talks to the API socket directly; run it on the host)";
                return false;
            case "npipe":
            case "fd":
                error = $"'{text}': {scheme}:// endpoints are not supported on Linux";
                return false;
            default:
                error = $"'{text}': unknown scheme '{scheme}' (use unix:// or tcp://)";
                return false;
        }
    }

    private static bool TryParseTcp(string text, string rest, DockerTlsSettings? tls, [NotNullWhen(true)] out DockerEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        rest = rest.TrimEnd('/');
        if (rest.Contains('/', StringComparison.Ordinal))
        {
            error = $"'{text}': a path after host:port is not supported";
            return false;
        }
        if (!Uri.TryCreate("tcp://" + rest, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) || uri.UserInfo.Length > 0)
        {
            error = $"'{text}': not a valid host[:port]";
            return false;
        }
        int port = uri.IsDefaultPort || uri.Port < 0 ? (tls is null ? 2375 : 2376) : uri.Port;
        string host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        endpoint = new DockerEndpoint(DockerEndpointKind.Tcp, null, host, port, tls);
        error = null;
        return true;
    }

    /// <summary>The canonical text: <c>unix:///path</c> or <c>tcp://host:port</c>.</summary>
    public override string ToString() => _label ?? (Kind == DockerEndpointKind.Unix
        ? "unix://" + SocketPath
        : $"tcp://{HostForUri}:{Port.ToString(CultureInfo.InvariantCulture)}");

    public bool Equals(DockerEndpoint? other) =>
        other is not null && Kind == other.Kind && string.Equals(SocketPath, other.SocketPath, StringComparison.Ordinal) &&
        string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) && Port == other.Port && UsesTls == other.UsesTls;

    public override bool Equals(object? obj) => Equals(obj as DockerEndpoint);

    public override int GetHashCode() => HashCode.Combine(Kind, SocketPath, Host?.ToLowerInvariant(), Port, UsesTls);
}
