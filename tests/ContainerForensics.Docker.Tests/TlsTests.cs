using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests;

/// <summary>
/// DOCKER_HOST=tcp://... with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH against a fake TLS daemon
/// that demands a client certificate, with a private CA as dockerd's TLS guide sets up.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cfir-tls-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Verified_tls_with_client_certificate_finds_the_daemon()
    {
        using var ca = CreateCa("cfir test CA");
        using var serverCert = Issue(ca, "127.0.0.1", server: true);
        using var clientCert = Issue(ca, "cfir-client", server: false);
        string certs = WriteCertPath("good", ca, clientCert);

        await using var server = FakeDockerServer.OnTls(FakeDaemon.Handler(FakeDaemon.DockerVersion()), serverCert, requireClientCertificate: true);
        var settings = FakeDaemon.Settings(TimeSpan.FromSeconds(5), null,
            ("DOCKER_HOST", server.Endpoint), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certs));
        var probes = await new DockerRuntimeProvider(new FakeHostFileSystem([]), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        Assert.True(probes[0].Runtime is not null, probes[0].Reason + " / server: " + string.Join("; ", server.Failures));
        var found = Assert.Single(probes, p => p.Runtime is not null);
        try
        {
            Assert.Equal(server.Endpoint, found.Endpoint);
            Assert.Equal("true", found.Runtime!.Descriptor.Details["tls_verify"]);
            Assert.Contains("CN=cfir-client", server.ClientCertificates);
        }
        finally
        {
            await found.Runtime!.DisposeAsync();
        }
    }

    [Fact]
    public async Task Server_from_another_ca_is_refused_with_a_reason()
    {
        using var ca = CreateCa("cfir test CA");
        using var rogueCa = CreateCa("rogue CA");
        using var serverCert = Issue(rogueCa, "127.0.0.1", server: true);
        using var clientCert = Issue(ca, "cfir-client", server: false);
        string certs = WriteCertPath("rogue", ca, clientCert);

        await using var server = FakeDockerServer.OnTls(FakeDaemon.Handler(FakeDaemon.DockerVersion()), serverCert, requireClientCertificate: false);
        var settings = FakeDaemon.Settings(TimeSpan.FromSeconds(5), null,
            ("DOCKER_HOST", server.Endpoint), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certs));
        var probes = await new DockerRuntimeProvider(new FakeHostFileSystem([]), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        Assert.All(probes, p => Assert.Null(p.Runtime));
        Assert.StartsWith("DOCKER_HOST: GET /version: TLS failed", probes[0].Reason, StringComparison.Ordinal);
    }

    private string WriteCertPath(string name, X509Certificate2 ca, X509Certificate2 client)
    {
        string dir = Path.Combine(_dir.FullName, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "cert.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "key.pem"), client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return dir;
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Parse(name));
            req.CertificateExtensions.Add(san.Build());
        }
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        using var issued = req.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Through PKCS#12 so the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
