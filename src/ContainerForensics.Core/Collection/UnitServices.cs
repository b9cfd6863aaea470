using ContainerForensics.Core.Evidence;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>What every container unit of a run shares: the clock, the log, the layout, the collectors, the boundary, the progress reader.</summary>
internal sealed class UnitServices(TimeProvider clock, ILogger log, ICollectionProgress progress, IReadOnlyList<IContainerEvidenceCollector> collectors)
{
    /// <summary>Progress is for one reader; the containers of a phase report from several tasks.</summary>
    private readonly Lock _progressLock = new();

    public TimeProvider Clock => clock;

    public ILogger Log => log;

    public EvidenceLayout Layout { get; } = new();

    public IReadOnlyList<IContainerEvidenceCollector> Collectors => collectors;

    public FailureBoundary Boundary { get; } = new(log);

    public void Progress(Action<ICollectionProgress> report)
    {
        lock (_progressLock)
        {
            report(progress);
        }
    }
}
