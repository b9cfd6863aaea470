using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Metadata;

/// <summary>Engine, volatile and metadata evidence against the rig's Podman 4.3 API service (compat API 1.41).</summary>
public sealed class PodmanMetadataTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Podman);
    private readonly MetadataScenarios _scenarios;

    public PodmanMetadataTests() => _scenarios = new MetadataScenarios(_cli);

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Top_lists_the_same_processes_as_the_cli() => _scenarios.TopListsTheSameProcessesAsTheCli();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Stats_sample_names_the_container() => _scenarios.StatsSampleNamesTheContainer();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Paused_container_gets_top_or_a_reason_and_no_hang() => _scenarios.PausedContainerGetsTopOrAReasonAndNoHang();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Stopped_container_has_no_volatile_evidence() => _scenarios.StoppedContainerHasNoVolatileEvidence();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Metadata_documents_match_the_cli() => _scenarios.MetadataDocumentsMatchTheCli();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Engine_evidence_has_events_and_inventories() => _scenarios.EngineEvidenceHasEventsAndInventories();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Pods_and_their_containers_are_recorded() => _scenarios.PodsAndTheirContainersAreRecorded();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
