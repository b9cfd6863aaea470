using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Engine;

/// <summary>Against the rig's dockerd (20.10, API 1.41).</summary>
public sealed class DockerEngineTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Docker);
    private readonly EngineScenarios _scenarios;

    public DockerEngineTests() => _scenarios = new EngineScenarios(_cli);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Probe_finds_docker_with_its_version() => _scenarios.ProbeFindsTheEngine();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Lists_running_and_exited_containers() => _scenarios.ListsRunningAndExitedContainers();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Metadata_phase_yields_inspect_json() => _scenarios.MetadataPhaseYieldsTheInspectDocument();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Removed_container_is_gone() => _scenarios.VanishedContainerIsGone();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Engine_evidence_is_version_and_info() => _scenarios.EngineEvidenceIsVersionAndInfo();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Logs_are_demultiplexed() => _scenarios.LogsAreDemultiplexed();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Watch_sees_create_start_and_die() => _scenarios.WatchSeesAContainerCreatedStartedAndDead();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
