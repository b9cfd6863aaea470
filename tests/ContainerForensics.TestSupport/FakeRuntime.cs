using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A runtime that says what a test tells it to: its containers, where it runs
/// (<see cref="RuntimeLocality"/>) and the init pid it reports, in its own pid namespace, as a
/// real runtime would. Collects nothing of its own; records what it was asked.
/// </summary>
public sealed class FakeRuntime : IContainerRuntime
{
    public FakeRuntime(RuntimeLocality locality, params ContainerInfo[] containers)
    {
        Descriptor = new RuntimeDescriptor("fake", "fake://test", "1", null) { Locality = locality };
        Containers = containers;
    }

    public RuntimeDescriptor Descriptor { get; init; }

    public IReadOnlyList<ContainerInfo> Containers { get; }

    /// <summary>The pid reported for a container; by default the listing's.</summary>
    public Func<ContainerInfo, int?> InitPid { get; init; } = c => c.IsRunning ? c.Pid : null;

    /// <summary>Thrown from the container's collection in a phase, when not null.</summary>
    public Func<ContainerInfo, CollectionPhase, Exception?> Fail { get; init; } = (_, _) => null;

    public List<string> Calls { get; } = [];

    /// <summary>A running container of this runtime, its init reported as <paramref name="pid"/>.</summary>
    public static ContainerInfo Running(string name, int pid) => new() { Runtime = "fake", Id = name, Name = name, State = "running", Pid = pid };

    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken) => Task.FromResult(Containers);

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Calls.Add($"{phase} {container.Name}");
        }
        return Fail(container, phase) is { } ex ? Task.FromException(ex) : Task.CompletedTask;
    }

    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Calls.Add($"pid {container.Name}");
        }
        return Task.FromResult(InitPid(container));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
