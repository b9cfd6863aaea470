namespace ContainerForensics.Core.Watching;

/// <summary>
/// The field names of <c>index.jsonl</c> (docs/evidence-format.md, "Watch mode"), said once for
/// the writer (<see cref="WatchIndex"/>) and whoever reads the index back.
/// </summary>
public static class IndexFields
{
    public const string Type = "type";
    public const string At = "at";

    /// <summary>The values of <see cref="Type"/>.</summary>
    public static class Types
    {
        public const string WatchStarted = "watch-started";
        public const string Trigger = "trigger";
        public const string Source = "source";
        public const string WatchEnded = "watch-ended";
    }

    // watch-started
    public const string WatchId = "watchId";
    public const string Tool = "tool";
    public const string Host = "host";
    public const string CommandLine = "commandLine";
    public const string Triggers = "triggers";
    public const string Parallel = "parallel";
    public const string Queue = "queue";
    public const string Until = "until";
    public const string Selection = "selection";
    public const string Runtimes = "runtimes";
    public const string Watched = "watched";
    public const string Name = "name";
    public const string Reason = "reason";

    // trigger
    public const string Seq = "seq";
    public const string Trigger = "trigger";
    public const string Runtime = "runtime";
    public const string Endpoint = "endpoint";
    public const string ContainerId = "containerId";
    public const string ContainerName = "containerName";
    public const string Namespace = "namespace";
    public const string Action = "action";
    public const string EventTime = "eventTime";
    public const string ReceivedAt = "receivedAt";

    /// <summary>The runtime's bytes of the event: the JSON itself when it is JSON (<see cref="Event"/>), else base64 (<see cref="EventBase64"/>).</summary>
    public const string Event = "event";
    public const string EventBase64 = "eventBase64";
    public const string EventFormat = "eventFormat";
    public const string EventSha256 = "eventSha256";

    /// <summary>collected, dropped or failed (<see cref="Outcomes"/>).</summary>
    public const string Outcome = "outcome";
    public const string Archive = "archive";
    public const string Sha256 = "sha256";
    public const string Bytes = "bytes";

    /// <summary>complete or partial: the seal's verdict.</summary>
    public const string Status = "status";
    public const string Interrupted = "interrupted";

    /// <summary>With --sign-key: who signed the seal (SEAL.sig), or why it is not signed (the archive is then partial).</summary>
    public const string SignedBy = "signedBy";
    public const string SigningFailure = "signingFailure";
    public const string Errors = "errors";
    public const string Vanished = "vanishedIn";
    public const string StartedAt = "startedAt";
    public const string FirstEvidenceAt = "firstEvidenceAt";
    public const string FirstEvidence = "firstEvidence";
    public const string SealedAt = "sealedAt";

    /// <summary>Milliseconds from the runtime's time of the event to the first evidence of the container written (its first volatile byte when the trigger collects volatile evidence).</summary>
    public const string LatencyMs = "latencyMs";

    /// <summary>The values of <see cref="Outcome"/>.</summary>
    public static class Outcomes
    {
        public const string Collected = "collected";
        public const string Dropped = "dropped";
        public const string Failed = "failed";
    }

    // source
    public const string State = "state";
    public const string Since = "since";
    public const string ReplaysSince = "replaysSince";

    // watch-ended
    public const string Seen = "seen";
    public const string Collected = "collected";
    public const string Complete = "complete";
    public const string Partial = "partial";
    public const string Dropped = "dropped";
    public const string Failed = "failed";

    /// <summary>The SHA-256 of every byte of the index before the closing line.</summary>
    public const string IndexSha256 = "indexSha256";
}
