using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;
using k8s;
using k8s.Autorest;

namespace ContainerForensics.Kubernetes.Tests.StandIn;

/// <summary>
/// The client library the collector is built on (KubernetesClient) against the stand-in, through
/// the kubeconfigs the stand-in writes: they must load (EC keys, CA data, token files), and the
/// typed calls must read what kubectl reads.
/// </summary>
public sealed class StandInKubernetesClientTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-k8sclient-").FullName;
    private readonly StandInCluster _cluster = new();
    private StandInApiServer _server = null!;
    private IncidentScenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _scenario = IncidentScenario.Fill(_cluster);
        _server = await StandInApiServer.StartAsync(_cluster);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData(KubeconfigCredential.Token)]
    [InlineData(KubeconfigCredential.ClientCertificate)]
    public async Task EveryKubeconfigCredentialListsPodsOverHttp2(KubeconfigCredential credential)
    {
        using var client = Client(new KubeconfigOptions { Credential = credential });

        var pods = await client.CoreV1.ListNamespacedPodAsync(_scenario.Namespace);

        Assert.Equal([_scenario.CrashLoopPodName, _scenario.PodName], pods.Items.Select(p => p.Metadata.Name));
        var web = pods.Items.Single(p => p.Metadata.Name == _scenario.PodName);
        Assert.Equal(_scenario.EphemeralContainer, web.Spec.EphemeralContainers.Single().Name);
        Assert.Equal(1, web.Status.ContainerStatuses.Single(c => c.Name == _scenario.RestartedContainer).RestartCount);
        Assert.All(_server.Requests, r => Assert.Equal("HTTP/2", r.Protocol));
        Assert.All(_server.Requests, r => Assert.NotNull(r.User));
    }

    /// <summary>
    /// kubectl honours users[].user.tokenFile (TokenFileKubeconfigAuthenticates); KubernetesClient
    /// 21.0.8 does not count it as a credential, so a collector must read such a file itself.
    /// This pins the library's behaviour: when an upgrade reads tokenFile, this test says so.
    /// </summary>
    [Fact]
    public void KubernetesClientDoesNotReadATokenFile()
    {
        string path = _server.WriteKubeconfig(_dir, new KubeconfigOptions { Credential = KubeconfigCredential.TokenFile, FileName = "token-file.kubeconfig" });

        var e = Assert.Throws<k8s.Exceptions.KubeConfigException>(() => KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

        Assert.Contains("does not have appropriate auth credentials", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePreviousLogStreams()
    {
        using var client = Client(new KubeconfigOptions());

        await using var log = await client.CoreV1.ReadNamespacedPodLogAsync(_scenario.PodName, _scenario.Namespace,
            container: _scenario.RestartedContainer, previous: true, timestamps: true);
        using var reader = new StreamReader(log);
        string text = await reader.ReadToEndAsync();

        Assert.Equal(_scenario.PreviousLog, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
        Assert.StartsWith("2026-12-07T09:01:00.123456700Z ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedListsAndErrorsArriveAsTheLibraryExpectsThem()
    {
        _cluster.Faults.Forbid("secrets", _scenario.Namespace);
        using var client = Client(new KubeconfigOptions());

        var first = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 1);
        var second = await client.CoreV1.ListPodForAllNamespacesAsync(limit: 1, continueParameter: first.Metadata.ContinueProperty);
        var forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedSecretAsync(_scenario.Namespace));
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("ghost", _scenario.Namespace));

        Assert.Equal(1, first.Metadata.RemainingItemCount);
        Assert.Equal([_scenario.CrashLoopPodName, _scenario.PodName], first.Items.Concat(second.Items).Select(p => p.Metadata.Name));
        Assert.Null(second.Metadata.ContinueProperty);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
        Assert.Contains("cannot list resource \\\"secrets\\\"", forbidden.Response.Content, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    private k8s.Kubernetes Client(KubeconfigOptions options)
    {
        string path = _server.WriteKubeconfig(_dir, options with { FileName = $"{options.Credential}.kubeconfig" });
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
    }
}
