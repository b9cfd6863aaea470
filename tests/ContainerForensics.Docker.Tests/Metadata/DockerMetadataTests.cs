using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Metadata;

/// <summary>Engine, volatile and metadata evidence against the rig's dockerd (20.10, API 1.41).</summary>
public sealed class DockerMetadataTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Docker);
    private readonly MetadataScenarios _scenarios;

    public DockerMetadataTests() => _scenarios = new MetadataScenarios(_cli);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Top_lists_the_same_processes_as_the_cli() => _scenarios.TopListsTheSameProcessesAsTheCli();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Stats_sample_names_the_container() => _scenarios.StatsSampleNamesTheContainer();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Paused_container_gets_top_or_a_reason_and_no_hang() => _scenarios.PausedContainerGetsTopOrAReasonAndNoHang();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Stopped_container_has_no_volatile_evidence() => _scenarios.StoppedContainerHasNoVolatileEvidence();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Metadata_documents_match_the_cli() => _scenarios.MetadataDocumentsMatchTheCli();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Engine_evidence_has_events_and_inventories() => _scenarios.EngineEvidenceHasEventsAndInventories();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
