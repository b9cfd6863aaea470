using ContainerForensics.Core;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.Kubernetes.Tests.Support;

namespace ContainerForensics.Kubernetes.Tests.Connection;

/// <summary>What the record says about how the kubeconfig user authenticates, and users the library alone would get wrong.</summary>
public sealed class UserAuthenticationTests : IDisposable
{
    private readonly KubeconfigScratch _dir = new();

    public void Dispose() => _dir.Dispose();

    private KubernetesConnection Load(string kubeconfig) =>
        new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings().With(KubernetesOptions.KubeConfig, kubeconfig))!;

    private CfirException Refused(string kubeconfig) =>
        Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings().With(KubernetesOptions.KubeConfig, kubeconfig)));

    [Fact]
    public void A_context_without_a_user_and_a_user_without_credentials_connect_anonymously_as_kubectl_does()
    {
        string noUser = _dir.Write("no-user", """
            current-context: c
            contexts: [{name: c, context: {cluster: k}}]
            clusters: [{name: k, cluster: {server: "http://127.0.0.1:8080"}}]
            """);
        string emptyUser = _dir.Write("empty-user", Kubeconfigs.One(userFields: "{}"));

        var none = Load(noUser);
        var empty = Load(emptyUser);

        Assert.Equal("none", none.Authentication);
        Assert.Null(none.User);
        Assert.Equal("none", empty.Authentication);
        Assert.Equal("u", empty.User);
        Assert.Null(empty.Config.AccessToken);
        Assert.Null(empty.Config.TokenProvider);
    }

    [Fact]
    public void A_token_file_relative_to_its_kubeconfig_becomes_a_token_provider_that_reads_it()
    {
        _dir.Write("kc/secrets/token", "t\n");
        string config = _dir.Write("kc/config", Kubeconfigs.One(userFields: "tokenFile: secrets/token"));

        var connection = Load(config);

        Assert.Equal("token-file", connection.Authentication);
        Assert.IsType<k8s.Authentication.TokenFileAuth>(connection.Config.TokenProvider);
    }

    [Fact]
    public void A_static_token_wins_over_a_token_file_as_in_client_go()
    {
        string config = _dir.Write("config", Kubeconfigs.One(userFields: "token: static\ntokenFile: /nonexistent/token"));

        var connection = Load(config);

        Assert.Equal("token", connection.Authentication);
        Assert.Equal("static", connection.Config.AccessToken);
    }

    [Fact]
    public void A_missing_token_file_is_one_line_naming_the_user_and_the_file()
    {
        string config = _dir.Write("config", Kubeconfigs.One(userFields: "tokenFile: gone"));

        var ex = Refused(config);

        Assert.Equal($"kubeconfig user 'u' ({config}): tokenFile {_dir["gone"]}: no such file", ex.Message);
    }

    [Fact]
    public void Inline_client_certificate_data_is_recorded_as_a_client_certificate()
    {
        _dir.WriteClientPair("c.crt", "c.key");
        string cert = Convert.ToBase64String(File.ReadAllBytes(_dir["c.crt"]));
        string key = Convert.ToBase64String(File.ReadAllBytes(_dir["c.key"]));
        string config = _dir.Write("config", Kubeconfigs.One(userFields: $"client-certificate-data: {cert}\nclient-key-data: {key}"));

        var connection = Load(config);

        Assert.Equal("client-certificate", connection.Authentication);
        Assert.Equal(cert, connection.Config.ClientCertificateData);
    }

    [Fact]
    public void A_client_certificate_without_its_key_or_with_a_key_that_is_not_one_is_refused()
    {
        _dir.WriteClientPair("c.crt", "c.key");
        _dir.WriteClientPair("other.crt", "other.key", "someone else");
        string alone = _dir.Write("alone", Kubeconfigs.One(userFields: $"client-certificate: {_dir["c.crt"]}"));
        string mismatched = _dir.Write("mismatched", Kubeconfigs.One(userFields: $"client-certificate: c.crt\nclient-key: other.key"));
        string notBase64 = _dir.Write("not-base64", Kubeconfigs.One(userFields: "client-certificate-data: \"***\"\nclient-key-data: \"***\""));

        Assert.Equal($"kubeconfig user 'u' ({alone}): a client certificate without client-key or client-key-data", Refused(alone).Message);
        Assert.StartsWith($"kubeconfig user 'u' ({mismatched}): the client certificate and key do not make a usable pair: ", Refused(mismatched).Message, StringComparison.Ordinal);
        Assert.Equal($"kubeconfig user 'u' ({notBase64}): client-certificate-data: not base64", Refused(notBase64).Message);
    }

    [Fact]
    public void Insecure_skip_tls_verify_is_false_unless_the_cluster_says_true()
    {
        string plain = _dir.Write("plain", Kubeconfigs.One(clusterFields: "tls-server-name: api.internal"));
        string insecure = _dir.Write("insecure", Kubeconfigs.One(clusterFields: "insecure-skip-tls-verify: true"));

        var verified = Load(plain);
        var skipped = Load(insecure);

        Assert.False(verified.InsecureSkipTlsVerify);
        Assert.False(verified.Config.SkipTlsVerify);
        Assert.True(skipped.InsecureSkipTlsVerify);
        Assert.True(skipped.Config.SkipTlsVerify);
    }
}
