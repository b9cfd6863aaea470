using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>The filesystem phase against the rig's dockerd 20.10 (overlay2).</summary>
public sealed class DockerFilesystemTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Docker);
    private readonly FilesystemScenarios _scenarios;

    public DockerFilesystemTests(ITestOutputHelper output) => _scenarios = new FilesystemScenarios(_cli, output);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Changed_of_a_running_container_comes_from_the_upper_dir() => _scenarios.ChangedComesFromTheUpperDir(stopped: false);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Changed_of_a_stopped_container_comes_from_the_upper_dir() => _scenarios.ChangedComesFromTheUpperDir(stopped: true);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Changed_without_host_paths_comes_from_the_api() => _scenarios.ChangedComesFromTheApiWithoutHostPaths();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Full_of_a_stopped_container_comes_from_the_export() => _scenarios.FullOfAStoppedContainerComesFromTheExport();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Full_of_a_running_container_comes_from_the_merged_dir() => _scenarios.FullOfARunningContainerComesFromTheMergedDir();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Volumes_are_collected_only_with_the_option() => _scenarios.VolumesAreCollectedOnlyWithTheOption(throughTheApi: false);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Volumes_without_host_paths_come_from_the_api() => _scenarios.VolumesAreCollectedOnlyWithTheOption(throughTheApi: true);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Container_removed_during_the_upper_dir_walk_is_gone_with_what_came_before() => _scenarios.ContainerRemovedDuringTheUpperDirWalk();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Container_removed_during_the_merged_dir_walk_is_partial_and_every_name_accounted() => _scenarios.ContainerRemovedDuringTheMergedDirWalk();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Container_removed_during_the_export_keeps_what_came_before() => _scenarios.ContainerRemovedDuringTheExport();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Sockets_of_a_stopped_container_come_from_the_upper_dir() => _scenarios.SocketsOfAStoppedContainerComeFromTheUpperDir();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Max_file_size_applies_to_every_source() => _scenarios.MaxFileSizeAppliesToEverySource();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
