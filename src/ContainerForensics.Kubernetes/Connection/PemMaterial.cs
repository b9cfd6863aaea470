using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ContainerForensics.Core;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// The certificates and keys a kubeconfig gives, inline (base64 of PEM, the <c>-data</c> fields)
/// or as files, checked when the kubeconfig is loaded. The library decodes them later (the CA
/// when it builds its configuration, the client pair when the client is made), where a bad one
/// surfaces as a bare FormatException or CryptographicException with nothing to say which
/// field of which file it was.
/// </summary>
internal static class PemMaterial
{
    /// <summary>A certificate or key file is a few KiB; a CA bundle a few hundred KiB at most.</summary>
    private const int MaxPemBytes = 4 << 20;

    /// <summary>Checks that the cluster's CA (data or file) holds at least one PEM certificate.</summary>
    public static void RequireCertificateAuthority(string? data, string? file, string what)
    {
        string? pem = !string.IsNullOrEmpty(data) ? Decode(data, what + ": certificate-authority-data")
            : !string.IsNullOrEmpty(file) ? ReadFile(file, what + ": certificate-authority")
            : null;
        if (pem is null)
        {
            return;
        }
        string field = !string.IsNullOrEmpty(data) ? "certificate-authority-data" : $"certificate-authority {file}";
        var certs = new X509Certificate2Collection();
        try
        {
            certs.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new CfirException(ExitCode.UsageError, $"{what}: {field}: {OneLine.Of(ex)}");
        }
        if (certs.Count == 0)
        {
            throw new CfirException(ExitCode.UsageError, $"{what}: {field}: no PEM certificate in it");
        }
    }

    /// <summary>
    /// Checks the client certificate and key, each inline or a file: both or neither (client-go
    /// refuses one without the other), and the pair must make a certificate with its private key.
    /// </summary>
    public static void RequireClientPair(string? certData, string? certFile, string? keyData, string? keyFile, string what)
    {
        bool hasCert = !string.IsNullOrEmpty(certData) || !string.IsNullOrEmpty(certFile);
        bool hasKey = !string.IsNullOrEmpty(keyData) || !string.IsNullOrEmpty(keyFile);
        if (!hasCert && !hasKey)
        {
            return;
        }
        if (hasCert != hasKey)
        {
            throw new CfirException(ExitCode.UsageError, hasCert
                ? $"{what}: a client certificate without client-key or client-key-data"
                : $"{what}: a client key without client-certificate or client-certificate-data");
        }
        string cert = !string.IsNullOrEmpty(certData) ? Decode(certData, what + ": client-certificate-data") : ReadFile(certFile!, what + ": client-certificate");
        string key = !string.IsNullOrEmpty(keyData) ? Decode(keyData, what + ": client-key-data") : ReadFile(keyFile!, what + ": client-key");
        try
        {
            using var pair = X509Certificate2.CreateFromPem(cert, key);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new CfirException(ExitCode.UsageError, $"{what}: the client certificate and key do not make a usable pair: {OneLine.Of(ex)}");
        }
    }

    private static string Decode(string base64, string what)
    {
        byte[] buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out int written))
        {
            throw new CfirException(ExitCode.UsageError, $"{what}: not base64");
        }
        return Encoding.UTF8.GetString(buffer, 0, written);
    }

    private static string ReadFile(string path, string what)
    {
        LocalFiles.RequireReadable(path, what);
        try
        {
            if (new FileInfo(path).Length > MaxPemBytes)
            {
                throw new CfirException(ExitCode.UsageError, $"{what} {OneLine.Clean(path)}: larger than the {MaxPemBytes} bytes a PEM file may have here");
            }
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"{what} {OneLine.Clean(path)}: cannot be read: {OneLine.Of(ex)}");
        }
    }
}
