using ContainerForensics.Core;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.Kubernetes.Tests.Support;

namespace ContainerForensics.Kubernetes.Tests.Connection;

/// <summary>
/// The pod's service account (client-go rest.InClusterConfig): used only when no kubeconfig gave
/// anything, from a directory of the test's own and KUBERNETES_SERVICE_HOST/PORT of the settings.
/// </summary>
public sealed class ServiceAccountConfigTests : IDisposable
{
    private readonly KubeconfigScratch _dir = new();

    public ServiceAccountConfigTests()
    {
        _dir.Write("sa/token", "header.payload.signature\n");
        _dir.WriteCa("sa/ca.crt").Dispose();
        _dir.Write("sa/namespace", "evidence");
    }

    public void Dispose() => _dir.Dispose();

    private KubeConfigLoader Loader() => new(_dir["sa"]);

    private static (string, string?)[] Pod(string host = "10.96.0.1", string port = "443") =>
        [("KUBERNETES_SERVICE_HOST", host), ("KUBERNETES_SERVICE_PORT", port)];

    [Fact]
    public void In_a_pod_without_a_kubeconfig_the_service_account_is_used()
    {
        var connection = Loader().Load(KubeconfigScratch.Settings(Pod()))!;

        Assert.Equal("in-cluster", connection.Source);
        Assert.Equal("service-account", connection.Authentication);
        Assert.Equal("https://10.96.0.1:443", connection.Server);
        Assert.Equal("evidence", connection.DefaultNamespace);
        Assert.Empty(connection.Files);
        Assert.False(connection.InsecureSkipTlsVerify);
        Assert.IsType<k8s.Authentication.TokenFileAuth>(connection.Config.TokenProvider);
        Assert.Single(connection.Config.SslCaCerts!);
    }

    [Fact]
    public void An_IPv6_service_host_is_put_in_brackets()
    {
        var connection = Loader().Load(KubeconfigScratch.Settings(Pod(host: "fd00:10:96::1", port: "6443")))!;

        Assert.Equal("https://[fd00:10:96::1]:6443", connection.Server);
    }

    [Fact]
    public void A_kubeconfig_comes_before_the_service_account()
    {
        string home = _dir["home"];
        _dir.Write("home/.kube/config", Kubeconfigs.One());

        var connection = Loader().Load(KubeconfigScratch.Settings([.. Pod(), ("HOME", home)]))!;

        Assert.Equal("~/.kube/config", connection.Source);
    }

    [Fact]
    public void Without_the_service_variables_or_the_token_it_is_not_a_pod()
    {
        var loader = Loader();
        var noVariables = KubeconfigScratch.Settings();
        Assert.Null(loader.Load(noVariables));
        Assert.EndsWith("and not in a pod (KUBERNETES_SERVICE_HOST/PORT unset)", loader.Absence(noVariables), StringComparison.Ordinal);

        File.Delete(_dir["sa/token"]);
        var noToken = KubeconfigScratch.Settings(Pod());
        Assert.Null(loader.Load(noToken));
        Assert.EndsWith($"and not in a pod with a service account (no token and ca.crt in {_dir["sa"]})", loader.Absence(noToken), StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_that_is_not_one_and_a_context_option_are_usage_errors()
    {
        var badPort = Assert.Throws<CfirException>(() => Loader().Load(KubeconfigScratch.Settings(Pod(port: "https"))));
        var context = Assert.Throws<CfirException>(() => Loader().Load(KubeconfigScratch.Settings(Pod()).With(KubernetesOptions.Context, "prod")));

        Assert.Equal("in-cluster: KUBERNETES_SERVICE_PORT 'https' is not a port", badPort.Message);
        Assert.Equal("--context 'prod': there is no kubeconfig to find it in (only the pod's service account)", context.Message);
    }
}
