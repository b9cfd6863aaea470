namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// containerd's snapshot kinds as a snapshotter's metadata.db stores them (one byte,
/// core/snapshots/snapshotter.go: <c>KindUnknown</c> 0, <c>KindView</c> 1, <c>KindActive</c> 2,
/// <c>KindCommitted</c> 3, <c>KindSnapshot</c> 4 in containerd 2.x).
/// </summary>
internal static class SnapshotKinds
{
    public const byte View = 1;
    public const byte Active = 2;
    public const byte Committed = 3;
    public const byte Snapshot = 4;

    public static string Name(byte kind) => kind switch
    {
        View => "view",
        Active => "active",
        Committed => "committed",
        Snapshot => "snapshot",
        0 => "unknown",
        _ => $"unknown ({kind})",
    };
}
