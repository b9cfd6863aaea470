using ContainerForensics.Core.Evidence;
using ContainerForensics.Report.Findings;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// Picks, as one log member's lines stream past, the excerpts around one finding: the first
/// <c>maxMentions</c> lines that name its subject, and the line whose time is nearest the
/// subject's time, each with <c>context</c> lines before and after. Memory is a few windows of
/// a few lines, whatever the log's length.
/// </summary>
internal sealed class ExcerptScan(FindingSubject subject, string path, int context, int maxMentions)
{
    private readonly Queue<ExcerptLine> _before = new();
    private readonly List<(List<ExcerptLine> Lines, string Term)> _mentions = [];
    private List<ExcerptLine>? _open;
    private int _openAfter;
    private List<ExcerptLine>? _nearest;
    private int _nearestAfter;
    private UnixTime _nearestTime;

    /// <summary>How far (seconds) the nearest line's time is from the subject's; infinity when no line had a time.</summary>
    public double NearestDistance { get; private set; } = double.PositiveInfinity;

    public bool WantsTime => subject.Time is not null;

    public void Line(long number, string text, UnixTime? when)
    {
        string? term = subject.Terms.FirstOrDefault(t => text.Contains(t, StringComparison.Ordinal));
        var line = new ExcerptLine(number, text, term is not null);
        if (_open is not null && _openAfter > 0)
        {
            _open.Add(line);
            _openAfter--;
        }
        else if (term is not null && _mentions.Count < maxMentions)
        {
            _open = [.. _before, line];
            _openAfter = context;
            _mentions.Add((_open, term));
        }
        if (_nearest is not null && _nearestAfter > 0)
        {
            _nearest.Add(line with { Hit = false });
            _nearestAfter--;
        }
        if (subject.Time is { } t && when is { } w)
        {
            double distance = Math.Abs((w.Seconds - t.Seconds) + ((double)w.Nanoseconds - t.Nanoseconds) / 1e9);
            if (distance < NearestDistance)
            {
                NearestDistance = distance;
                _nearestTime = w;
                _nearest = [.. _before.Select(b => b with { Hit = false }), line with { Hit = true }];
                _nearestAfter = context;
            }
        }
        _before.Enqueue(line);
        if (_before.Count > context)
        {
            _before.Dequeue();
        }
    }

    public IEnumerable<LogExcerpt> Mentions() =>
        _mentions.Select(m => new LogExcerpt(path, $"names {m.Term}", m.Lines));

    /// <summary>The window around the nearest line, unless a mention already shows that line.</summary>
    public LogExcerpt? Nearest()
    {
        if (_nearest is null || subject.Time is not { } t)
        {
            return null;
        }
        long center = _nearest.First(l => l.Hit).Number;
        if (_mentions.Exists(m => m.Lines.Exists(l => l.Number == center)))
        {
            return null;
        }
        double signed = (_nearestTime.Seconds - t.Seconds) + ((double)_nearestTime.Nanoseconds - t.Nanoseconds) / 1e9;
        string offset = Math.Abs(signed) < 0.001 ? "at" : $"{Math.Abs(signed):0.###} s {(signed < 0 ? "before" : "after")}";
        return new LogExcerpt(path, $"the line nearest in time: {offset} {subject.TimeIs} ({t.ToIso8601()})", _nearest);
    }
}
