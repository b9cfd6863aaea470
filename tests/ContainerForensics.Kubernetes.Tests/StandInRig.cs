using System.Security.Cryptography.X509Certificates;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Kubernetes;
using k8s;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>
/// A stand-in API server holding a scenario, and cfir's runtime connected to it as a kubeconfig
/// with a token and the stand-in's CA would connect it; a pod's phase is collected into the
/// shared <see cref="RecordingSink"/>.
/// </summary>
internal sealed class StandInRig : IAsyncDisposable
{
    /// <summary>A whole pod context on the stand-in takes well under a second; a hang fails fast instead of stalling the suite.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    private readonly List<KubernetesRuntime> _runtimes = [];

    private StandInRig(StandInCluster cluster, StandInApiServer server)
    {
        Cluster = cluster;
        Server = server;
    }

    public StandInCluster Cluster { get; }

    public StandInApiServer Server { get; }

    public static async Task<StandInRig> StartAsync(Action<StandInCluster> arrange)
    {
        var cluster = new StandInCluster();
        arrange(cluster);
        return new StandInRig(cluster, await StandInApiServer.StartAsync(cluster));
    }

    public async Task<KubernetesRuntime> ConnectAsync(bool secretValues = false, TimeSpan? callTimeout = null, IReadOnlyList<string>? namespaces = null)
    {
        var config = new KubernetesClientConfiguration
        {
            Host = Server.BaseUri.ToString(),
            AccessToken = Server.Token,
            SslCaCerts = [X509Certificate2.CreateFromPem(Server.CaCertificatePem)],
        };
        var connection = new KubernetesConnection { Config = config, Source = "test", Server = Server.BaseUri.ToString(), Authentication = "token" };
        var settings = new RuntimeSettings { CallTimeout = callTimeout ?? TimeSpan.FromSeconds(10) }.With(KubernetesOptions.Namespace, namespaces ?? []);
        if (secretValues)
        {
            settings = settings.WithFlag(KubernetesOptions.SecretValues);
        }
        var runtime = await KubernetesRuntime.ConnectAsync(connection, settings, CancellationToken.None).WaitAsync(Budget);
        _runtimes.Add(runtime);
        return runtime;
    }

    public static async Task<ContainerInfo> PodAsync(KubernetesRuntime runtime, string ns, string name) =>
        Assert.Single(await runtime.ListContainersAsync(CancellationToken.None), p => p.PodMembership?.Namespace == ns && p.Name == name);

    /// <summary>One phase of one pod (by default its Metadata phase), as the runner would run it.</summary>
    public static async Task<RecordingSink> CollectAsync(KubernetesRuntime runtime, ContainerInfo pod,
        CollectionPhase phase = CollectionPhase.Metadata, CollectionOptions? options = null)
    {
        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(pod, phase, sink, options ?? new CollectionOptions(), CancellationToken.None).WaitAsync(Budget);
        return sink;
    }

    /// <summary>Connects and collects the context of pod NS/NAME.</summary>
    public async Task<RecordingSink> CollectAsync(string ns, string name, bool secretValues = false)
    {
        var runtime = await ConnectAsync(secretValues);
        return await CollectAsync(runtime, await PodAsync(runtime, ns, name));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in _runtimes)
        {
            await runtime.DisposeAsync();
        }
        await Server.DisposeAsync();
    }
}
