namespace ContainerForensics.Bolt.Reading;

/// <summary>The problems met so far, each once, at most <see cref="BoltLimits.MaxProblems"/> and then one saying the rest were dropped.</summary>
internal sealed class ProblemLog
{
    private readonly List<BoltProblem> _list = [];
    private readonly HashSet<BoltProblem> _seen = [];
    private readonly int _max;
    private bool _full;

    public ProblemLog(int max) => _max = Math.Max(0, max);

    public void Add(BoltProblem problem)
    {
        if (_full || !_seen.Add(problem))
        {
            return;
        }
        if (_list.Count >= _max)
        {
            _full = true;
            _seen.Clear();
            _list.Add(new BoltProblem(null, "", $"more than {_max} problems; the rest were not recorded"));
            return;
        }
        _list.Add(problem);
    }

    public BoltProblem[] Snapshot() => [.. _list];
}
