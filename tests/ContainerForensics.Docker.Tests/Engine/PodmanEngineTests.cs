using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Engine;

/// <summary>Against the rig's Podman 4.3 API service (Docker-compatible API 1.41, libpod 4.3.1).</summary>
public sealed class PodmanEngineTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Podman);
    private readonly EngineScenarios _scenarios;

    public PodmanEngineTests() => _scenarios = new EngineScenarios(_cli);

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Probe_finds_podman_with_its_version() => _scenarios.ProbeFindsTheEngine();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Lists_running_and_exited_containers() => _scenarios.ListsRunningAndExitedContainers();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Metadata_phase_yields_inspect_json() => _scenarios.MetadataPhaseYieldsTheInspectDocument();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Removed_container_is_gone() => _scenarios.VanishedContainerIsGone();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Engine_evidence_is_version_and_info() => _scenarios.EngineEvidenceIsVersionAndInfo();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Logs_are_demultiplexed() => _scenarios.LogsAreDemultiplexed();

    /// <summary>DOCKER_HOST pointing at Podman's socket: the docker provider says so, the podman provider lists it once.</summary>
    [EngineFact(TestSupport.Engine.Podman)]
    public async Task Podman_socket_given_as_docker_host_is_listed_under_podman_only()
    {
        var settings = FakeDaemon.Settings(TimeSpan.FromSeconds(30), _cli.Endpoint);
        var docker = await new DockerRuntimeProvider().ProbeAsync(settings, CancellationToken.None);
        var podman = await new PodmanRuntimeProvider().ProbeAsync(settings, CancellationToken.None);
        try
        {
            Assert.DoesNotContain(docker, p => p.Runtime is not null && p.Endpoint == _cli.Endpoint);
            Assert.Contains("answers as Podman", docker[0].Reason, StringComparison.Ordinal);
            Assert.Single(podman, p => p.Runtime is not null);
            Assert.All(podman.Where(p => p.Runtime is not null), p => Assert.Equal("podman", p.Name));
        }
        finally
        {
            foreach (var p in docker.Concat(podman).Where(p => p.Runtime is not null))
            {
                await p.Runtime!.DisposeAsync();
            }
        }
    }

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Watch_sees_create_start_and_die() => _scenarios.WatchSeesAContainerCreatedStartedAndDead();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
