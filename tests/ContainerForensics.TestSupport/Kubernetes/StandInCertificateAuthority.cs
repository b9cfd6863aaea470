using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// The test CA of one stand-in server: it signs the serving certificate (SAN IP 127.0.0.1 and
/// DNS localhost, like a kubeadm apiserver certificate's loopback names) and client certificates
/// (CN user, O groups), and checks that a presented client certificate is one of its own.
/// ECDSA P-256 keys: quick to make, and accepted by Go's crypto/tls (kubectl) and .NET alike.
/// Serials are random and positive, as Go insists.
/// </summary>
internal sealed class StandInCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private const string OrganizationOid = "2.5.4.10";
    private const string CommonNameOid = "2.5.4.3";

    private readonly X509Certificate2 _ca;
    private readonly DateTimeOffset _notBefore;
    private readonly DateTimeOffset _notAfter;

    public StandInCertificateAuthority(DateTimeOffset now)
    {
        _notBefore = now.AddHours(-1);
        _notAfter = now.AddDays(7);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=stand-in-kubernetes-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(_notBefore, _notAfter);
        CertificatePem = _ca.ExportCertificatePem();
    }

    public string CertificatePem { get; }

    /// <summary>The serving certificate with its private key, loaded so Kestrel can use it on Linux.</summary>
    public X509Certificate2 IssueServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Leaf(new X500DistinguishedName("CN=kube-apiserver"), key, ServerAuth);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("kubernetes");
        san.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(_ca, _notBefore, _notAfter, Serial());
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public StandInClientCertificate IssueClientCertificate(string user, IReadOnlyList<string> groups)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var g in groups)
        {
            subject.AddOrganizationName(g);
        }
        subject.AddCommonName(user);
        var request = Leaf(subject.Build(), key, ClientAuth);
        using var signed = request.Create(_ca, _notBefore, _notAfter, Serial());
        return new StandInClientCertificate(signed.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), user, [.. groups]);
    }

    /// <summary>
    /// The identity in a client certificate this CA issued for client authentication, else null
    /// (the real server then answers 401, as it does for a certificate of an unknown CA).
    /// </summary>
    public (string User, List<string> Groups)? Identify(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        if (!chain.Build(certificate))
        {
            return null;
        }
        string? user = null;
        var groups = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            string? oid = rdn.GetSingleElementType().Value;
            string? value = rdn.GetSingleElementValue();
            if (oid == CommonNameOid)
            {
                user = value;
            }
            else if (oid == OrganizationOid && value is not null)
            {
                groups.Add(value);
            }
        }
        return user is null ? null : (user, groups);
    }

    public void Dispose() => _ca.Dispose();

    private CertificateRequest Leaf(X500DistinguishedName subject, ECDsa key, Oid usage)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        return request;
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
