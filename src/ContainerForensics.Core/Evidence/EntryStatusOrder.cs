namespace ContainerForensics.Core.Evidence;

/// <summary>
/// How statuses combine when more than one thing is known of an entry (the collector's verdict,
/// then what reading it saw): the worse one wins. The archive writer applies it, and so do the
/// test doubles that stand in for it.
/// </summary>
public static class EntryStatusOrder
{
    public static EntryStatus Worse(EntryStatus a, EntryStatus b) => Rank(b) > Rank(a) ? b : a;

    private static int Rank(EntryStatus s) => s switch
    {
        EntryStatus.Collected => 0,
        EntryStatus.Truncated => 1,
        EntryStatus.Partial => 2,
        EntryStatus.Skipped or EntryStatus.Absent => 3,
        EntryStatus.Missing => 4,
        EntryStatus.Failed => 5,
        _ => 0,
    };
}
