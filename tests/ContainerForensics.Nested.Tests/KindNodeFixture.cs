using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Nested.Tests;

/// <summary>
/// One kind-like node shared by a test class (a node start is a second or two): three plain
/// containers in namespace default and a pod on the node's CNI bridge in k8s.io. Started on first
/// use, so that a class whose tests are all skipped (no Docker outside CI) starts nothing; removed
/// with everything nested in it when the class is done.
/// </summary>
public sealed class KindNodeFixture : IAsyncLifetime
{
    private readonly Lazy<Task<PlantedNode>> _node = new(PlantAsync);

    public Task<PlantedNode> GetAsync() => _node.Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_node.IsValueCreated && _node.Value.IsCompletedSuccessfully)
        {
            await _node.Value.Result.Node.DisposeAsync();
        }
    }

    private static async Task<PlantedNode> PlantAsync()
    {
        var node = await KindNode.StartAsync();
        try
        {
            var containers = await node.RunContainersAsync(3);
            var pod = await node.RunPodAsync();
            return new PlantedNode(node, containers, pod);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public sealed record PlantedNode(KindNode Node, IReadOnlyList<NestedContainer> Containers, NestedPod Pod);
}
