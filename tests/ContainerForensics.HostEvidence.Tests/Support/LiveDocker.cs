using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.HostEvidence.Tests.Support;

/// <summary>
/// The real Docker runtime of the rig, as the CLI would use it: <see cref="IContainerRuntime.GetInitPidAsync"/>
/// and <see cref="IContainerRuntime.ListContainersAsync"/> come from the engine itself, not from a fake.
/// </summary>
public sealed class LiveDocker : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private LiveDocker(DockerRuntime runtime) => Runtime = runtime;

    public DockerRuntime Runtime { get; }

    public static async Task<LiveDocker> ConnectAsync(CancellationToken cancellationToken = default) =>
        new(new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(DockerCli.Endpoint), CallTimeout, TimeProvider.System, cancellationToken)));

    /// <summary>The container as the runtime lists it (what the runner would hand a collector).</summary>
    public async Task<ContainerInfo> ContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        var all = await Runtime.ListContainersAsync(cancellationToken);
        return all.SingleOrDefault(c => c.Id == id) ?? throw new InvalidOperationException($"container {id} is not listed by the runtime");
    }

    public ValueTask DisposeAsync() => Runtime.DisposeAsync();
}
