using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ContainerForensics.TestSupport.Kubernetes;

namespace ContainerForensics.Kubernetes.Tests.StandIn;

/// <summary>
/// Plain HttpClients for the stand-in: trusting only its test CA (as a kubeconfig's
/// certificate-authority-data makes a real client do), with a bearer token or a client certificate.
/// </summary>
internal static class StandInHttp
{
    public static HttpClient Client(StandInApiServer server, string? token = null, X509Certificate2? certificate = null,
        Version? version = null, TimeSpan? timeout = null)
    {
        var ca = X509Certificate2.CreateFromPem(server.CaCertificatePem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, errors) => Trusted(ca, presented, errors),
                ClientCertificates = certificate is null ? null : [certificate],
            },
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = server.BaseUri,
            DefaultRequestVersion = version ?? HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        return client;
    }

    private static bool Trusted(X509Certificate2 ca, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
    }
}
