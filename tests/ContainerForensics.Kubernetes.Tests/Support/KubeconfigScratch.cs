using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Kubernetes.Tests.Support;

/// <summary>
/// A scratch directory for kubeconfig fixtures: the files a test writes (kubeconfigs, CA
/// bundles, token files, exec plugin scripts) and the settings that point cfir at them. The
/// environment is the test's own (no HOME, no KUBECONFIG, no KUBERNETES_SERVICE_HOST unless
/// given), so the machine's own kubeconfig never leaks in.
/// </summary>
internal sealed class KubeconfigScratch : IDisposable
{
    public KubeconfigScratch()
    {
        Root = Directory.CreateTempSubdirectory("cfir-kubeconfig-").FullName;
    }

    public string Root { get; }

    public string this[string relative] => Path.Join(Root, relative);

    /// <summary>Writes <paramref name="text"/> at <paramref name="relative"/> (directories made) and returns the full path.</summary>
    public string Write(string relative, string text)
    {
        string path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A shell script, executable, for an exec credential plugin.</summary>
    public string WriteScript(string relative, string body)
    {
        string path = Write(relative, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>A self-signed CA certificate in PEM, written at <paramref name="relative"/>; returns the certificate.</summary>
    public X509Certificate2 WriteCa(string relative, string name = "cfir kubeconfig test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Write(relative, cert.ExportCertificatePem());
        return cert;
    }

    /// <summary>A self-signed client certificate and its private key, in PEM at the two paths (not trusted by any server; for loading only).</summary>
    public void WriteClientPair(string certificate, string key, string name = "cfir-client")
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", ecdsa, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Write(certificate, cert.ExportCertificatePem());
        Write(key, ecdsa.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Settings with only the given environment variables.</summary>
    public static RuntimeSettings Settings(params (string Name, string? Value)[] environment) => new()
    {
        Environment = environment.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal),
        CallTimeout = TimeSpan.FromSeconds(10),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp: harmless, and must not hide the test's own outcome.
        }
    }
}
