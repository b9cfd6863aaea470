using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Docker.Transport;

/// <summary>
/// The one place that knows sockets: makes the <see cref="HttpMessageHandler"/> for an endpoint
/// (unix socket, TCP, TCP+TLS). The API classes only ever see HTTP.
/// </summary>
public static class DockerHandlerFactory
{
    public static HttpMessageHandler Create(DockerEndpoint endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            // Never through a proxy: HTTP(S)_PROXY in a responder's shell must not redirect or
            // leak the traffic, and a unix socket cannot be proxied anyway.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            // Daemons close idle connections on their own schedule; do not reuse stale ones for long.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            // Connect time is part of each call's budget (DockerConnection), not a separate limit.
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            // One HTTP/1.1 connection per request in flight. The runner collects several containers
            // at once and a worker may hold a streaming answer (logs, export) while it waits for
            // its turn at the archive, so a cap here could make a call wait for a connection that
            // is only freed after that call: the callers bound the concurrency instead
            // (--parallel, DockerStatsSampler.MaxConcurrent). Stated because it is relied on.
            MaxConnectionsPerServer = int.MaxValue,
        };
        if (endpoint.Kind == DockerEndpointKind.Unix)
        {
            string path = endpoint.SocketPath!;
            handler.ConnectCallback = (_, cancellationToken) => UnixSocketConnector.ConnectPumpedAsync(path, cancellationToken);
        }
        else if (endpoint.Tls is { } tls)
        {
            handler.SslOptions = CreateSslOptions(endpoint, tls);
        }
        return handler;
    }

    private static SslClientAuthenticationOptions CreateSslOptions(DockerEndpoint endpoint, DockerTlsSettings tls)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = endpoint.Host,
            EnabledSslProtocols = SslProtocols.None, // the OS default: TLS 1.2 and 1.3
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (tls.CertificateFile is { } certFile && tls.KeyFile is { } keyFile && File.Exists(certFile) && File.Exists(keyFile))
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }
        X509Certificate2Collection? roots = null;
        if (tls.CaFile is { } caFile && File.Exists(caFile))
        {
            roots = [];
            roots.ImportFromPemFile(caFile);
        }
        options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateServer(tls.Verify, roots, certificate, chain, errors);
        return options;
    }

    /// <summary>
    /// Docker's ca.pem is a private CA: the chain is built against it alone (custom root trust),
    /// and the host name must still match. Without ca.pem the system's verdict stands.
    /// </summary>
    internal static bool ValidateServer(bool verify, X509Certificate2Collection? roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (!verify)
        {
            return true;
        }
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (certificate is X509Certificate2 leaf)
        {
            return chain.Build(leaf);
        }
        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(loaded);
    }
}
