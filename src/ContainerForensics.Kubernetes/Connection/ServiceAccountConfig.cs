using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;
using k8s;
using k8s.Authentication;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// The pod's own service account, as client-go's <c>rest.InClusterConfig</c> reads it
/// (https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/#directly-accessing-the-rest-api):
/// the API server at https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the bearer token
/// in <c>token</c> (re-read as the kubelet rotates it), the cluster CA in <c>ca.crt</c>, and the
/// pod's namespace in <c>namespace</c>. Built here rather than with the library's
/// InClusterConfig, which reads the process environment and a fixed directory.
/// </summary>
internal static class ServiceAccountConfig
{
    public const string DefaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Why there is no in-cluster configuration; null when there is one.</summary>
    public static string? Absence(RuntimeSettings settings, string directory)
    {
        if (settings.GetEnvironment("KUBERNETES_SERVICE_HOST") is null || settings.GetEnvironment("KUBERNETES_SERVICE_PORT") is null)
        {
            return "not in a pod (KUBERNETES_SERVICE_HOST/PORT unset)";
        }
        if (!File.Exists(Path.Join(directory, "token")) || !File.Exists(Path.Join(directory, "ca.crt")))
        {
            return $"not in a pod with a service account (no token and ca.crt in {directory})";
        }
        return null;
    }

    /// <summary>The connection; call only when <see cref="Absence"/> is null. An unusable CA or port is a one-line usage error.</summary>
    public static KubernetesConnection Load(RuntimeSettings settings, string directory)
    {
        string host = settings.GetEnvironment("KUBERNETES_SERVICE_HOST")!;
        string portText = settings.GetEnvironment("KUBERNETES_SERVICE_PORT")!;
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new CfirException(ExitCode.UsageError, $"in-cluster: KUBERNETES_SERVICE_PORT '{OneLine.Clean(portText)}' is not a port");
        }
        // net.JoinHostPort: an IPv6 address goes in brackets.
        string server = $"https://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{port}";
        if (!Uri.TryCreate(server, UriKind.Absolute, out _))
        {
            throw new CfirException(ExitCode.UsageError, $"in-cluster: KUBERNETES_SERVICE_HOST '{OneLine.Clean(host)}' does not make a URL");
        }
        string token = Path.Join(directory, "token");
        string ca = Path.Join(directory, "ca.crt");
        LocalFiles.RequireReadable(token, "in-cluster service account token");
        LocalFiles.RequireReadable(ca, "in-cluster service account CA");
        var caCerts = new X509Certificate2Collection();
        try
        {
            caCerts.ImportFromPemFile(ca);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"in-cluster service account CA {ca}: {OneLine.Of(ex)}");
        }
        if (caCerts.Count == 0)
        {
            throw new CfirException(ExitCode.UsageError, $"in-cluster service account CA {ca}: no PEM certificate in it");
        }
        string? ns = ReadNamespace(Path.Join(directory, "namespace"));
        var config = new KubernetesClientConfiguration
        {
            Host = server,
            TokenProvider = new TokenFileAuth(token),
            SslCaCerts = caCerts,
            Namespace = ns,
        };
        return new KubernetesConnection
        {
            Config = config,
            Source = "in-cluster",
            Server = server,
            Authentication = "service-account",
            DefaultNamespace = ns,
        };
    }

    /// <summary>The pod's namespace; optional, as in client-go (it only defaults the namespace, which cfir does not narrow to).</summary>
    private static string? ReadNamespace(string path)
    {
        try
        {
            LocalFiles.RequireReadable(path, "in-cluster namespace");
            if (new FileInfo(path).Length > 4096)
            {
                return null;
            }
            string text = File.ReadAllText(path).Trim();
            return text.Length is > 0 and <= 253 ? text : null;
        }
        catch (CfirException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
