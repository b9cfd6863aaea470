namespace ContainerForensics.Docker.Transport;

/// <summary>
/// TLS for a TCP endpoint, read from the environment the way the Docker Go client does
/// (client.FromEnv, https://docs.docker.com/reference/cli/docker/#environment-variables):
/// <list type="bullet">
/// <item><c>DOCKER_CERT_PATH</c> set: TLS, with <c>ca.pem</c>, <c>cert.pem</c> and <c>key.pem</c> from there;</item>
/// <item><c>DOCKER_TLS_VERIFY</c> non-empty: TLS and the server is verified (against <c>ca.pem</c> when
///   present, else the system roots); the cert path then defaults to <c>$HOME/.docker</c>;</item>
/// <item><c>DOCKER_TLS</c> non-empty: TLS without verifying the server (the CLI's <c>--tls</c>).</item>
/// </list>
/// Files that do not exist are not used (no client certificate, system roots), as in the Go client.
/// </summary>
public sealed record DockerTlsSettings
{
    /// <summary>TLS verified against the system roots, no client certificate (an <c>https://</c> endpoint).</summary>
    public static DockerTlsSettings SystemTrust { get; } = new() { Verify = true };

    /// <summary>The folder holding ca.pem, cert.pem and key.pem; null when none applies.</summary>
    public string? CertPath { get; init; }

    /// <summary>Verify the server's certificate and name. Off only with DOCKER_TLS without DOCKER_TLS_VERIFY.</summary>
    public bool Verify { get; init; } = true;

    public string? CaFile => CertPath is null ? null : Path.Combine(CertPath, "ca.pem");

    public string? CertificateFile => CertPath is null ? null : Path.Combine(CertPath, "cert.pem");

    public string? KeyFile => CertPath is null ? null : Path.Combine(CertPath, "key.pem");

    /// <summary>The TLS settings the environment asks for, or null for plain TCP.</summary>
    public static DockerTlsSettings? FromEnvironment(Func<string, string?> getEnvironment)
    {
        string? certPath = NonEmpty(getEnvironment("DOCKER_CERT_PATH"));
        bool verify = NonEmpty(getEnvironment("DOCKER_TLS_VERIFY")) is not null;
        bool tls = NonEmpty(getEnvironment("DOCKER_TLS")) is not null;
        if (certPath is null && !verify && !tls)
        {
            return null;
        }
        if (certPath is null && NonEmpty(getEnvironment("HOME")) is { } home)
        {
            certPath = Path.Combine(home, ".docker");
        }
        // The Go client sets InsecureSkipVerify exactly when DOCKER_TLS_VERIFY is empty.
        return new DockerTlsSettings { CertPath = certPath, Verify = verify };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
