using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Tests;

public sealed class DockerEndpointTests
{
    [Theory]
    [InlineData("unix:///var/run/docker.sock", "/var/run/docker.sock")]
    [InlineData("/run/podman/podman.sock", "/run/podman/podman.sock")]
    [InlineData("  unix:///run/user/1000/docker.sock ", "/run/user/1000/docker.sock")]
    public void Unix_socket_forms(string text, string path)
    {
        var e = DockerEndpoint.Parse(text);
        Assert.Equal(DockerEndpointKind.Unix, e.Kind);
        Assert.Equal(path, e.SocketPath);
        Assert.Equal("unix://" + path, e.ToString());
        Assert.Equal(new Uri("http://localhost/"), e.BaseAddress);
        Assert.False(e.UsesTls);
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2375", "10.0.0.5", 2375, "http://10.0.0.5:2375/")]
    [InlineData("tcp://docker.example", "docker.example", 2375, "http://docker.example:2375/")]
    [InlineData("http://host:1234", "host", 1234, "http://host:1234/")]
    [InlineData("tcp://[::1]:2375", "::1", 2375, "http://[::1]:2375/")]
    [InlineData("tcp://host:2375/", "host", 2375, "http://host:2375/")]
    public void Tcp_forms(string text, string host, int port, string baseAddress)
    {
        var e = DockerEndpoint.Parse(text);
        Assert.Equal(DockerEndpointKind.Tcp, e.Kind);
        Assert.Equal(host, e.Host);
        Assert.Equal(port, e.Port);
        Assert.Equal(new Uri(baseAddress), e.BaseAddress);
    }

    [Fact]
    public void Tls_settings_switch_to_https_and_port_2376()
    {
        var tls = new DockerTlsSettings { CertPath = "/certs" };
        var e = DockerEndpoint.Parse("tcp://host", tls);
        Assert.Equal(2376, e.Port);
        Assert.Same(tls, e.Tls);
        Assert.Equal(new Uri("https://host:2376/"), e.BaseAddress);
        Assert.Equal("tcp://host:2376", e.ToString());
        Assert.Equal(new Uri("https://host:9999/"), DockerEndpoint.Parse("https://host:9999").BaseAddress);
    }

    [Fact]
    public void Tls_settings_do_not_apply_to_unix_sockets()
    {
        var e = DockerEndpoint.Parse("unix:///var/run/docker.sock", new DockerTlsSettings { CertPath = "/certs" });
        Assert.Null(e.Tls);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("docker.sock", "neither an absolute socket path nor a URL")]
    [InlineData("unix://relative.sock", "must be absolute")]
    [InlineData("ssh://user@host", "ssh endpoints are not supported")]
    [InlineData("npipe:////./pipe/docker_engine", "not supported on Linux")]
    [InlineData("fd://", "not supported on Linux")]
    [InlineData("ftp://host", "unknown scheme 'ftp'")]
    [InlineData("tcp://host:2375/base", "a path after host:port is not supported")]
    [InlineData("tcp://user@host:2375", "not a valid host[:port]")]
    [InlineData("tcp://", "not a valid host[:port]")]
    public void Refused_forms_say_why(string text, string why)
    {
        Assert.False(DockerEndpoint.TryParse(text, null, out _, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => DockerEndpoint.Parse(text));
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_endpoints_compare_equal()
    {
        Assert.Equal(DockerEndpoint.Parse("unix:///x.sock"), DockerEndpoint.Parse("/x.sock"));
        Assert.Equal(DockerEndpoint.Parse("tcp://HOST:1"), DockerEndpoint.Parse("tcp://host:1"));
        Assert.NotEqual(DockerEndpoint.Parse("tcp://host:1"), DockerEndpoint.Parse("https://host:1"));
    }
}
