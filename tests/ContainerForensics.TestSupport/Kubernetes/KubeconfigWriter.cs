using System.Text;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// Renders a kubeconfig (apiVersion v1, kind Config) for one cluster, user and context, in the
/// YAML layout kubectl config view prints
/// (https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/). Strings are double-quoted so
/// no value can break the YAML.
/// </summary>
internal static class KubeconfigWriter
{
    public static string Render(Uri server, string caPem, KubeconfigOptions o, string? token, string? tokenFile, StandInClientCertificate? certificate)
    {
        string cluster = o.ContextName;
        string user = o.ContextName + "-user";
        var y = new StringBuilder();
        y.Append("apiVersion: v1\n");
        y.Append("kind: Config\n");
        y.Append("clusters:\n");
        y.Append("- cluster:\n");
        if (o.InsecureSkipTlsVerify)
        {
            y.Append("    insecure-skip-tls-verify: true\n");
        }
        else
        {
            y.Append("    certificate-authority-data: ").Append(Base64(caPem)).Append('\n');
        }
        y.Append("    server: ").Append(Quote(server.GetLeftPart(UriPartial.Authority))).Append('\n');
        y.Append("  name: ").Append(Quote(cluster)).Append('\n');
        y.Append("contexts:\n");
        y.Append("- context:\n");
        y.Append("    cluster: ").Append(Quote(cluster)).Append('\n');
        if (o.Namespace is not null)
        {
            y.Append("    namespace: ").Append(Quote(o.Namespace)).Append('\n');
        }
        y.Append("    user: ").Append(Quote(user)).Append('\n');
        y.Append("  name: ").Append(Quote(o.ContextName)).Append('\n');
        y.Append("current-context: ").Append(Quote(o.ContextName)).Append('\n');
        y.Append("preferences: {}\n");
        y.Append("users:\n");
        y.Append("- name: ").Append(Quote(user)).Append('\n');
        var fields = new StringBuilder();
        if (token is not null)
        {
            fields.Append("    token: ").Append(Quote(token)).Append('\n');
        }
        if (tokenFile is not null)
        {
            fields.Append("    tokenFile: ").Append(Quote(tokenFile)).Append('\n');
        }
        if (certificate is not null)
        {
            fields.Append("    client-certificate-data: ").Append(Base64(certificate.CertificatePem)).Append('\n');
            fields.Append("    client-key-data: ").Append(Base64(certificate.PrivateKeyPem)).Append('\n');
        }
        if (o.ExtraUserYaml is { } extra)
        {
            foreach (var line in extra.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
            {
                fields.Append("    ").Append(line).Append('\n');
            }
        }
        if (fields.Length == 0)
        {
            y.Append("  user: {}\n");
        }
        else
        {
            y.Append("  user:\n").Append(fields);
        }
        return y.ToString();
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A YAML double-quoted scalar (only backslash, quote and control characters need escapes).</summary>
    private static string Quote(string s)
    {
        var q = new StringBuilder("\"");
        foreach (char c in s)
        {
            _ = c switch
            {
                '"' => q.Append("\\\""),
                '\\' => q.Append("\\\\"),
                < ' ' => q.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => q.Append(c),
            };
        }
        return q.Append('"').ToString();
    }
}
