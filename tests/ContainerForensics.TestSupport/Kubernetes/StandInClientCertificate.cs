using System.Security.Cryptography.X509Certificates;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// A client certificate signed by the stand-in's CA, in the PEM form a kubeconfig carries
/// (client-certificate-data / client-key-data). The server takes the subject's CN as the user
/// and each O as a group, as the real x509 authenticator does
/// (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates).
/// </summary>
public sealed record StandInClientCertificate(string CertificatePem, string PrivateKeyPem, string User, IReadOnlyList<string> Groups)
{
    /// <summary>The certificate with its key, ready for an HttpClientHandler or SslStream.</summary>
    public X509Certificate2 ToX509Certificate()
    {
        using var pem = X509Certificate2.CreateFromPem(CertificatePem, PrivateKeyPem);
        // On Linux a PEM-loaded key is ephemeral; a PKCS#12 round trip gives TLS a key it can use everywhere.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
