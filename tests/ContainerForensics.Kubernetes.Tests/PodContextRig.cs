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
/// with a token and the stand-in's CA would connect it; a pod's Metadata phase is collected into
/// the shared <see cref="RecordingSink"/>.
/// </summary>
internal sealed class PodContextRig : IAsyncDisposable
{
    /// <summary>A whole pod context on the stand-in takes well under a second; a hang fails fast instead of stalling the suite.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    private readonly List<KubernetesRuntime> _runtimes = [];

    private PodContextRig(StandInCluster cluster, StandInApiServer server)
    {
        Cluster = cluster;
        Server = server;
    }

    public StandInCluster Cluster { get; }

    public StandInApiServer Server { get; }

    public static async Task<PodContextRig> StartAsync(Action<StandInCluster> arrange)
    {
        var cluster = new StandInCluster();
        arrange(cluster);
        return new PodContextRig(cluster, await StandInApiServer.StartAsync(cluster));
    }

    public async Task<KubernetesRuntime> ConnectAsync(bool secretValues = false)
    {
        var config = new KubernetesClientConfiguration
        {
            Host = Server.BaseUri.ToString(),
            AccessToken = Server.Token,
            SslCaCerts = [X509Certificate2.CreateFromPem(Server.CaCertificatePem)],
        };
        var connection = new KubernetesConnection { Config = config, Source = "test", Server = Server.BaseUri.ToString(), Authentication = "token" };
        var settings = new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(10) };
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

    /// <summary>The Metadata phase of one pod, as the runner would run it.</summary>
    public static async Task<RecordingSink> CollectAsync(KubernetesRuntime runtime, ContainerInfo pod)
    {
        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(pod, CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None).WaitAsync(Budget);
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
