using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Nested.Tests;

/// <summary>
/// One Docker-in-Docker container shared by a test class, with two containers of its own.
/// Started on first use (nothing starts when every test is skipped) and removed, with everything
/// nested in it, when the class is done.
/// </summary>
public sealed class DockerInDockerFixture : IAsyncLifetime
{
    private readonly Lazy<Task<PlantedDind>> _dind = new(PlantAsync);

    public Task<PlantedDind> GetAsync() => _dind.Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_dind.IsValueCreated && _dind.Value.IsCompletedSuccessfully)
        {
            await _dind.Value.Result.Dind.DisposeAsync();
        }
    }

    private static async Task<PlantedDind> PlantAsync()
    {
        var dind = await DockerInDocker.StartAsync();
        try
        {
            return new PlantedDind(dind, await dind.RunContainersAsync(2));
        }
        catch
        {
            await dind.DisposeAsync();
            throw;
        }
    }

    public sealed record PlantedDind(DockerInDocker Dind, IReadOnlyList<NestedContainer> Containers);
}
