using System.Globalization;
using ContainerForensics.Core.Watching;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// Watch mode's progress on stderr: on a terminal one status line rewritten in place (triggers
/// seen, collected, dropped, under way), with a line above it for each trigger that did not end
/// complete; redirected, one plain line per trigger ended; nothing with -q. A source that loses
/// its stream is a warning of the log. Calls come one at a time (the watch's counts lock).
/// </summary>
internal sealed class WatchProgress : IWatchProgress, IDisposable
{
    private readonly TextWriter _stderr;
    private readonly bool _live;
    private bool _drawn;

    private WatchProgress(TextWriter stderr, bool live)
    {
        _stderr = stderr;
        _live = live;
    }

    public static WatchProgress? Create(bool quiet, TextWriter stderr) =>
        quiet ? null : new WatchProgress(stderr, live: !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error));

    public void Changed(WatchCounts counts)
    {
        if (!_live)
        {
            return;
        }
        _stderr.Write($"\r\u001b[2Kcfir: watching: {counts.Seen} trigger(s) seen, {counts.Collected} collected ({counts.Collected - counts.Complete} partial), " +
            $"{counts.Dropped} dropped, {counts.Failed} failed; {counts.Collecting} collecting, {counts.Pending} waiting");
        _stderr.Flush();
        _drawn = true;
    }

    public void Ended(TriggerOutcome outcome)
    {
        if (_live && outcome.Complete)
        {
            return; // the status line counts it
        }
        Line(Describe(outcome));
    }

    /// <summary>The log says it already (a warning on stderr).</summary>
    public void Source(string message)
    {
    }

    private void Line(string text)
    {
        if (_drawn)
        {
            _stderr.Write("\r\u001b[2K");
            _drawn = false;
        }
        _stderr.WriteLine($"cfir: {text}");
    }

    internal static string Describe(TriggerOutcome o)
    {
        var t = o.Trigger;
        string who = ConsoleProgress.Sanitize($"{t.Event.Runtime}/{t.Container.Name ?? t.Event.ContainerId[..Math.Min(12, t.Event.ContainerId.Length)]}");
        if (!o.IsCollected)
        {
            return $"{t.KindName} of {who} (#{t.Seq}) {o.Outcome}: {ConsoleProgress.Sanitize(o.Reason ?? "")}";
        }
        string latency = o.LatencyMs is { } ms ? string.Create(CultureInfo.InvariantCulture, $", first evidence {ms:0} ms after the event") : "";
        string vanished = o.VanishedIn is { } phase ? $", vanished in the {phase} phase" : "";
        return $"{t.KindName} of {who} (#{t.Seq}): {t.ArchiveName} ({(o.Complete ? "complete" : "partial")}{vanished}{latency})";
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _stderr.Write("\r\u001b[2K");
            _drawn = false;
        }
    }
}
