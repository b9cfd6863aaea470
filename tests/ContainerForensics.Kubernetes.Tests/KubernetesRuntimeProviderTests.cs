using System.Text;
using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.Kubernetes.Tests.Support;
using ContainerForensics.TestSupport.Kubernetes;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>
/// The provider against the stand-in API server (Kestrel, TLS, bearer token or client
/// certificate): each way a kubeconfig or a service account authenticates reaches it, the server
/// saw the request as that user, and what the acquisition record needs is in the runtime's
/// details. A server that cannot be trusted or reached is a probe that did not answer, with why.
/// </summary>
public sealed class KubernetesRuntimeProviderTests : IAsyncLifetime, IDisposable
{
    private readonly KubeconfigScratch _dir = new();
    private StandInApiServer _server = null!;

    public async Task InitializeAsync() => _server = await StandInApiServer.StartAsync(new StandInCluster());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    private KubernetesRuntimeProvider Provider() => new(new KubeConfigLoader(_dir["no-service-account"]));

    private static RuntimeSettings Given(string kubeconfig) => KubeconfigScratch.Settings().With(KubernetesOptions.KubeConfig, kubeconfig);

    /// <summary>Probes, expects one answer, and hands its runtime to <paramref name="check"/> before disposing it.</summary>
    private async Task AnswersAsync(RuntimeSettings settings, Action<IContainerRuntime> check)
    {
        var probe = Assert.Single(await Provider().ProbeAsync(settings, CancellationToken.None));
        Assert.True(probe.Runtime is not null, probe.Reason);
        await using var runtime = probe.Runtime;
        Assert.Equal(KubernetesRuntime.RuntimeName, probe.Name);
        check(runtime);
    }

    [Theory]
    [InlineData(KubeconfigCredential.Token, "token")]
    [InlineData(KubeconfigCredential.TokenFile, "token-file")]
    [InlineData(KubeconfigCredential.ClientCertificate, "client-certificate")]
    public async Task Each_kind_of_kubeconfig_credential_reaches_the_server_as_its_user(KubeconfigCredential credential, string authentication)
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions { Credential = credential, Namespace = "evidence" });

        await AnswersAsync(Given(kubeconfig), runtime =>
        {
            var d = runtime.Descriptor;
            Assert.Equal(_server.BaseUri.GetLeftPart(UriPartial.Authority), d.Endpoint.TrimEnd('/'));
            Assert.Equal("v1.32.4", d.Version);
            Assert.Equal(authentication, d.Details["authentication"]);
            Assert.Equal("--kubeconfig", d.Details["source"]);
            Assert.Equal(kubeconfig, d.Details["kubeconfig"]);
            Assert.Equal("stand-in", d.Details["context"]);
            Assert.Equal("false", d.Details["insecureSkipTlsVerify"]);
        });
        var version = Assert.Single(_server.Requests, r => r.Path == "/version");
        Assert.Equal(StandInUser.Admin.Username, version.User);
    }

    [Fact]
    public async Task A_token_file_is_read_when_the_request_is_made_not_only_when_the_kubeconfig_is_loaded()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions { Credential = KubeconfigCredential.TokenFile, Token = "stale" });
        var connection = new KubeConfigLoader(_dir["no-service-account"]).Load(Given(kubeconfig))!;
        await File.WriteAllTextAsync(kubeconfig + ".token", _server.Token); // rotated after loading, as a projected token is

        await using var runtime = await KubernetesRuntime.ConnectAsync(connection, Given(kubeconfig), CancellationToken.None);

        Assert.Equal(StandInUser.Admin.Username, Assert.Single(_server.Requests, r => r.Path == "/version").User);
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_is_used_and_recorded_only_when_the_kubeconfig_says_so()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions { InsecureSkipTlsVerify = true });

        await AnswersAsync(Given(kubeconfig), runtime => Assert.Equal("true", runtime.Descriptor.Details["insecureSkipTlsVerify"]));
    }

    [Fact]
    public async Task A_server_the_kubeconfigs_CA_did_not_sign_is_not_answered_and_the_reason_says_TLS()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        using var rogue = _dir.WriteCa("rogue-ca.crt", "rogue CA");
        string rogueData = Convert.ToBase64String(Encoding.UTF8.GetBytes(rogue.ExportCertificatePem()));
        string text = await File.ReadAllTextAsync(kubeconfig);
        string good = Convert.ToBase64String(Encoding.UTF8.GetBytes(_server.CaCertificatePem));
        await File.WriteAllTextAsync(kubeconfig, text.Replace(good, rogueData, StringComparison.Ordinal));

        var probe = Assert.Single(await Provider().ProbeAsync(Given(kubeconfig), CancellationToken.None));

        Assert.Null(probe.Runtime);
        Assert.True(probe.Requested);
        Assert.StartsWith($"--kubeconfig {kubeconfig}, context 'stand-in': TLS handshake failed: ", probe.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', probe.Reason!);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task The_pods_service_account_reaches_the_server_when_there_is_no_kubeconfig()
    {
        string sa = _dir["serviceaccount"];
        _dir.Write("serviceaccount/token", _server.Token + "\n");
        _dir.Write("serviceaccount/ca.crt", _server.CaCertificatePem);
        _dir.Write("serviceaccount/namespace", "evidence");
        var settings = KubeconfigScratch.Settings(
            ("HOME", _dir["empty-home"]),
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", _server.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var provider = new KubernetesRuntimeProvider(new KubeConfigLoader(sa));

        var probe = Assert.Single(await provider.ProbeAsync(settings, CancellationToken.None));

        Assert.True(probe.Runtime is not null, probe.Reason);
        await using var runtime = probe.Runtime;
        Assert.Equal("in-cluster", runtime.Descriptor.Details["source"]);
        Assert.Equal("service-account", runtime.Descriptor.Details["authentication"]);
        Assert.False(runtime.Descriptor.Details.ContainsKey("kubeconfig"));
        Assert.Equal(StandInUser.Admin.Username, Assert.Single(_server.Requests, r => r.Path == "/version").User);
    }

    [Fact]
    public async Task An_allowed_exec_plugin_that_hangs_costs_the_call_budget_and_is_one_line()
    {
        string plugin = _dir.WriteScript("bin/hanging-plugin", "exec sleep 60");
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions
        {
            Credential = KubeconfigCredential.None,
            ExtraUserYaml = $"exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {plugin}\n  interactiveMode: Never",
        });
        var settings = Given(kubeconfig).WithFlag(KubernetesOptions.AllowExecPlugin) with { CallTimeout = TimeSpan.FromSeconds(1) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var refused = await Assert.ThrowsAsync<CfirException>(() => Provider().ProbeAsync(settings, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(ExitCode.UsageError, refused.ExitCode);
        Assert.Contains("hanging-plugin", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task An_allowed_exec_plugin_runs_and_its_token_reaches_the_server_and_its_command_is_recorded()
    {
        string marker = _dir["plugin-ran"];
        string plugin = _dir.WriteScript("bin/token-plugin",
            $$$"""touch '{{{marker}}}'; echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"{{{_server.Token}}}"}}'""");
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions
        {
            Credential = KubeconfigCredential.None,
            ExtraUserYaml = $"exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {plugin}\n  args: [--for, cfir]\n  interactiveMode: Never",
        });

        await AnswersAsync(Given(kubeconfig).WithFlag(KubernetesOptions.AllowExecPlugin), runtime =>
        {
            Assert.Equal("exec", runtime.Descriptor.Details["authentication"]);
            Assert.Equal($"{plugin} --for cfir", runtime.Descriptor.Details["execCommand"]);
        });
        Assert.True(File.Exists(marker));
        Assert.Equal(StandInUser.Admin.Username, Assert.Single(_server.Requests, r => r.Path == "/version").User);
    }

    [Fact]
    public async Task A_refused_exec_plugin_ends_the_probe_with_a_usage_error_and_contacts_nothing()
    {
        string marker = _dir["plugin-ran"];
        string plugin = _dir.WriteScript("bin/token-plugin", $"touch '{marker}'");
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions
        {
            Credential = KubeconfigCredential.None,
            ExtraUserYaml = $"exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {plugin}",
        });

        var ex = await Assert.ThrowsAsync<CfirException>(() => Provider().ProbeAsync(Given(kubeconfig), CancellationToken.None));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.Contains("--allow-exec-plugin", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_server_that_does_not_listen_is_a_requested_probe_that_did_not_answer()
    {
        int port = _server.BaseUri.Port;
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        await _server.DisposeAsync();

        var probe = Assert.Single(await Provider().ProbeAsync(Given(kubeconfig), CancellationToken.None));

        Assert.Null(probe.Runtime);
        Assert.True(probe.Requested);
        Assert.Equal($"https://127.0.0.1:{port}", probe.Endpoint.TrimEnd('/'));
        Assert.Contains("Connection refused", probe.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_kubeconfig_and_no_pod_is_a_requested_probe_that_says_why()
    {
        var settings = KubeconfigScratch.Settings(("HOME", _dir["empty-home"]));

        var probe = Assert.Single(await Provider().ProbeAsync(settings, CancellationToken.None));

        Assert.Null(probe.Runtime);
        Assert.True(probe.Requested);
        Assert.StartsWith("no kubeconfig ($KUBECONFIG unset, no ", probe.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_namespaces_and_a_namespace_together_are_a_usage_error()
    {
        var settings = KubeconfigScratch.Settings().WithFlag(KubernetesOptions.AllNamespaces).With(KubernetesOptions.Namespace, "default");

        var ex = await Assert.ThrowsAsync<CfirException>(() => Provider().ProbeAsync(settings, CancellationToken.None));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.StartsWith("-A and -n contradict each other", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_provider_is_not_probed_by_auto_and_offers_the_kubernetes_options()
    {
        var provider = Provider();

        Assert.False(provider.ProbedByAuto);
        Assert.Equal("kubernetes", provider.Name);
        Assert.Equal(KubernetesOptions.All, provider.Options);
    }
}
