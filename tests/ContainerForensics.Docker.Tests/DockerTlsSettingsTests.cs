using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Tests;

public sealed class DockerTlsSettingsTests
{
    private static DockerTlsSettings? From(params (string, string)[] env)
    {
        var map = env.ToDictionary(e => e.Item1, e => e.Item2);
        return DockerTlsSettings.FromEnvironment(n => map.GetValueOrDefault(n));
    }

    [Fact]
    public void Nothing_set_means_plain_tcp() => Assert.Null(From(("HOME", "/root")));

    [Fact]
    public void Cert_path_alone_means_tls_without_verification()
    {
        var tls = From(("DOCKER_CERT_PATH", "/certs"));
        Assert.NotNull(tls);
        Assert.False(tls.Verify);
        Assert.Equal("/certs/ca.pem", tls.CaFile);
        Assert.Equal("/certs/cert.pem", tls.CertificateFile);
        Assert.Equal("/certs/key.pem", tls.KeyFile);
    }

    [Fact]
    public void Tls_verify_defaults_the_cert_path_to_home_docker()
    {
        var tls = From(("DOCKER_TLS_VERIFY", "1"), ("HOME", "/home/ir"));
        Assert.NotNull(tls);
        Assert.True(tls.Verify);
        Assert.Equal("/home/ir/.docker", tls.CertPath);
    }

    [Fact]
    public void Docker_tls_alone_means_tls_without_verification()
    {
        var tls = From(("DOCKER_TLS", "1"));
        Assert.NotNull(tls);
        Assert.False(tls.Verify);
    }

    [Fact]
    public void Empty_values_count_as_unset() => Assert.Null(From(("DOCKER_TLS_VERIFY", ""), ("DOCKER_CERT_PATH", "")));
}
