using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Watching;

/// <summary>How one trigger ended: its archive sealed (complete or partial), dropped with the reason, or failed with it.</summary>
public sealed record TriggerOutcome
{
    public required WatchTrigger Trigger { get; init; }

    /// <summary>One of <see cref="IndexFields.Outcomes"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Why it was dropped or failed.</summary>
    public string? Reason { get; init; }

    /// <summary>The sealed archive; null when none was sealed.</summary>
    public SealResult? Seal { get; init; }

    public bool Interrupted { get; init; }

    /// <summary>Failures recorded inside the archive.</summary>
    public int Errors { get; init; }

    /// <summary>The phase in which the container vanished, if it did.</summary>
    public string? VanishedIn { get; init; }

    public UnixTime? StartedAt { get; init; }

    /// <summary>When the first evidence of the container (not the acquisition record or the event) went into the archive.</summary>
    public UnixTime? FirstEvidenceAt { get; init; }

    /// <summary>That entry's path in the archive.</summary>
    public string? FirstEvidence { get; init; }

    public UnixTime? SealedAt { get; init; }

    /// <summary>From the runtime's time of the event to <see cref="FirstEvidenceAt"/>, in milliseconds.</summary>
    public double? LatencyMs => FirstEvidenceAt is { } first ? Milliseconds(Trigger.Event.Time, first) : null;

    /// <summary><paramref name="to"/> minus <paramref name="from"/>, to the nanosecond.</summary>
    public static double Milliseconds(UnixTime from, UnixTime to) =>
        (to.Seconds - from.Seconds) * 1e3 + ((long)to.Nanoseconds - from.Nanoseconds) / 1e6;

    public bool IsCollected => Outcome == IndexFields.Outcomes.Collected;

    /// <summary>Sealed complete, not interrupted, and signed when a signature was asked for.</summary>
    public bool Complete => IsCollected && Seal is { Complete: true, SigningFailure: null } && !Interrupted;
}
