using System.Collections.Concurrent;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A runtime that says what a test tells it to: its containers, where it runs
/// (<see cref="RuntimeLocality"/>) and the init pid it reports, in its own pid namespace, as a
/// real runtime would; and, per container and phase, what it captures, when it fails, and any
/// further work (a gate, a delay, a deferral). Records what it was asked, in order.
/// </summary>
public sealed class FakeRuntime : IContainerRuntime
{
    public FakeRuntime(RuntimeLocality locality, params IReadOnlyList<ContainerInfo> containers)
    {
        Descriptor = new RuntimeDescriptor("fake", "fake://test", "1", null) { Locality = locality };
        Containers = containers;
    }

    public RuntimeDescriptor Descriptor { get; init; }

    public IReadOnlyList<ContainerInfo> Containers { get; }

    /// <summary>The pid reported for a container; by default the listing's.</summary>
    public Func<ContainerInfo, int?> InitPid { get; init; } = c => c.IsRunning ? c.Pid : null;

    /// <summary>Asked instead of <see cref="InitPid"/> when not null: an answer that takes its time, or never comes (the caller's token ends it).</summary>
    public Func<ContainerInfo, CancellationToken, Task<int?>>? AskInitPid { get; init; }

    /// <summary>How many times the containers were listed.</summary>
    public int ListCount => Volatile.Read(ref _listCount);

    private int _listCount;

    /// <summary>Called first in a container's phase, before anything is captured (e.g. to cancel the run there).</summary>
    public Action<ContainerInfo, CollectionPhase> OnCall { get; init; } = (_, _) => { };

    /// <summary>Items handed to the sink at the start of a phase, before <see cref="Fail"/> is asked.</summary>
    public Func<ContainerInfo, CollectionPhase, IReadOnlyList<EvidenceItem>> Captures { get; init; } = (_, _) => [];

    /// <summary>Thrown from the container's collection in a phase, after its captures, when not null.</summary>
    public Func<ContainerInfo, CollectionPhase, Exception?> Fail { get; init; } = (_, _) => null;

    /// <summary>The rest of a phase that did not fail: more entries, a gate, a delay, a deferral (<see cref="IEvidenceSink.DeferAsync"/>).</summary>
    public Func<ContainerInfo, CollectionPhase, IEvidenceSink, CancellationToken, Task>? Work { get; init; }

    /// <summary>Told the containers of a phase before any of them is collected (<see cref="IContainerRuntime.PhaseStarting"/>).</summary>
    public Action<CollectionPhase, IReadOnlyList<ContainerInfo>> OnPhaseStarting { get; init; } = (_, _) => { };

    /// <summary>"engine", "{phase} {container name}", in the order asked; collectors under test may add their own.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>The names (or ids) of the containers whose init pid was asked for.</summary>
    public ConcurrentQueue<string> PidQueries { get; } = new();

    /// <summary>A running container of this runtime, its init reported as <paramref name="pid"/>.</summary>
    public static ContainerInfo Running(string name, int pid) => new() { Runtime = "fake", Id = name, Name = name, State = "running", Pid = pid };

    /// <summary>Thrown from the listing when not null (a daemon that stopped answering).</summary>
    public Func<Exception?> ListFail { get; init; } = () => null;

    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _listCount);
        return ListFail() is { } failure ? Task.FromException<IReadOnlyList<ContainerInfo>>(failure) : Task.FromResult(Containers);
    }

    public void PhaseStarting(CollectionPhase phase, IReadOnlyList<ContainerInfo> containers, CancellationToken cancellationToken) =>
        OnPhaseStarting(phase, containers);

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        Calls.Enqueue("engine");
        return Task.CompletedTask;
    }

    public async Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"{phase} {container.Name}");
        OnCall(container, phase);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var item in Captures(container, phase))
        {
            await sink.AddAsync(item, cancellationToken);
        }
        if (Fail(container, phase) is { } ex)
        {
            throw ex;
        }
        if (Work is { } work)
        {
            await work(container, phase, sink, cancellationToken);
        }
    }

    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        PidQueries.Enqueue(container.Name ?? container.Id);
        return AskInitPid is { } ask ? ask(container, cancellationToken) : Task.FromResult(InitPid(container));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
