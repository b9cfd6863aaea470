using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// acquisition/acquisition.json, typed (docs/evidence-format.md, "The acquisition record";
/// written by Core's <see cref="AcquisitionRecord"/>): who collected, when, where, with what.
/// Every field is optional: a value the collection did not know is written as null, and a
/// field that could not be read (reported as a <see cref="ReaderProblem"/>) is null too.
/// </summary>
public sealed record AcquisitionRecordDocument
{
    public string? Format { get; init; }

    public AcquisitionTool? Tool { get; init; }

    /// <summary>argv as given.</summary>
    public IReadOnlyList<string>? CommandLine { get; init; }

    public string? Examiner { get; init; }

    public string? Case { get; init; }

    public string? Note { get; init; }

    public UnixTime? StartedAt { get; init; }

    /// <summary>Where the archive was written (a path, or stdout).</summary>
    public string? Output { get; init; }

    public AcquisitionHost? Host { get; init; }

    public AcquisitionClock? Clock { get; init; }

    /// <summary>Live, or the disk image read dead-box (root, mount, read-write); null in archives written before dead-box collection.</summary>
    public AcquisitionSource? Source { get; init; }

    /// <summary>Every runtime endpoint tried, with what it answered or why it was not used.</summary>
    public IReadOnlyList<RuntimeProbeRecord>? Runtimes { get; init; }

    /// <summary>Every look inside containers for nested runtimes (absent from archives written before nested runtimes were looked for).</summary>
    public AcquisitionNested? Nested { get; init; }

    public AcquisitionOptions? Options { get; init; }

    /// <summary>The key the seal was to be signed with, and whom the archive was encrypted to; null in archives older than 1.1.</summary>
    public AcquisitionSealing? Sealing { get; init; }

    internal static AcquisitionRecordDocument? Parse(byte[] json, Action<string, string> problem, Action<string> unreadable)
    {
        var record = JsonFields.Read(json, f => new AcquisitionRecordDocument
        {
            Format = f.String(AcquisitionFields.Format),
            Tool = f.Object(AcquisitionFields.Tool) is { } t ? AcquisitionTool.From(t) : null,
            CommandLine = f.Strings(AcquisitionFields.CommandLine),
            Examiner = f.String(AcquisitionFields.Examiner),
            Case = f.String(AcquisitionFields.Case),
            Note = f.String(AcquisitionFields.Note),
            StartedAt = f.Time(AcquisitionFields.StartedAt),
            Output = f.String(AcquisitionFields.Output),
            Host = f.Object(AcquisitionFields.Host) is { } h ? AcquisitionHost.From(h) : null,
            Clock = f.Object(AcquisitionFields.Clock) is { } c ? AcquisitionClock.From(c) : null,
            Source = f.Object(AcquisitionFields.Source) is { } src ? AcquisitionSource.From(src) : null,
            Runtimes = f.Objects(AcquisitionFields.Runtimes)?.Select(RuntimeProbeRecord.From).ToList(),
            Nested = f.Object(AcquisitionFields.Nested) is { } n ? AcquisitionNested.From(n) : null,
            Options = f.Object(AcquisitionFields.Options) is { } o ? AcquisitionOptions.From(o) : null,
            Sealing = f.Object(AcquisitionFields.Sealing) is { } s ? AcquisitionSealing.From(s) : null,
        }, problem, detail => unreadable($"not JSON: {detail}"));
        if (record?.Format is { } format && !ArchiveNames.IsReadableFormat(format))
        {
            problem(AcquisitionFields.Format, $"unknown format '{format}'");
        }
        return record;
    }
}

/// <summary>How the archive was sealed beyond its hashes: the signing key's fingerprint (null: unsigned), the encryption and its recipients.</summary>
public sealed record AcquisitionSealing(string? SigningKeyFingerprint, string? SigningKeyType, string? Encryption, IReadOnlyList<string>? EncryptedTo)
{
    internal static AcquisitionSealing From(JsonFields f)
    {
        var key = f.Object(AcquisitionFields.InSealing.SigningKey);
        return new(
            key?.String(AcquisitionFields.InSealing.Fingerprint),
            key?.String(AcquisitionFields.InSealing.Type),
            f.String(AcquisitionFields.InSealing.Encryption),
            f.Strings(AcquisitionFields.InSealing.EncryptedTo));
    }
}

/// <summary>The collecting tool: name, version, git commit, .NET runtime.</summary>
public sealed record AcquisitionTool(string? Name, string? Version, string? Commit, string? Runtime)
{
    internal static AcquisitionTool From(JsonFields f) => new(
        f.String(AcquisitionFields.InTool.Name),
        f.String(AcquisitionFields.InTool.Version),
        f.String(AcquisitionFields.InTool.Commit),
        f.String(AcquisitionFields.InTool.Runtime));
}

/// <summary>The host collected from.</summary>
public sealed record AcquisitionHost(string? Hostname, string? KernelRelease, string? KernelVersion, string? Architecture, string? Os,
    string? BootId, string? MachineId)
{
    internal static AcquisitionHost From(JsonFields f) => new(
        f.String(AcquisitionFields.InHost.Hostname),
        f.String(AcquisitionFields.InHost.KernelRelease),
        f.String(AcquisitionFields.InHost.KernelVersion),
        f.String(AcquisitionFields.InHost.Architecture),
        f.String(AcquisitionFields.InHost.Os),
        f.String(AcquisitionFields.InHost.BootId),
        f.String(AcquisitionFields.InHost.MachineId));
}

/// <summary>The host's clock when the collection started: how far its times can be trusted.</summary>
public sealed record AcquisitionClock(UnixTime? Realtime, long? MonotonicTimestamp, long? MonotonicFrequency, double? UptimeSeconds,
    bool? NtpSynchronized, long? EstimatedErrorMicroseconds, string? ClockSource, string? Timezone)
{
    internal static AcquisitionClock From(JsonFields f) => new(
        f.Time(AcquisitionFields.InClock.Realtime),
        f.Int64(AcquisitionFields.InClock.MonotonicTimestamp),
        f.Int64(AcquisitionFields.InClock.MonotonicFrequency),
        f.Double(AcquisitionFields.InClock.UptimeSeconds),
        f.Bool(AcquisitionFields.InClock.NtpSynchronized),
        f.Int64(AcquisitionFields.InClock.EstimatedErrorMicroseconds),
        f.String(AcquisitionFields.InClock.ClockSource),
        f.String(AcquisitionFields.InClock.Timezone));
}

/// <summary>One runtime endpoint tried: what it answered (version, API version, where it runs, details), or why it was not used.</summary>
public sealed record RuntimeProbeRecord(string? Name, string? Endpoint, bool? Answered, string? Version, string? ApiVersion, string? Reason,
    string? Locality, string? LocalityWhy, IReadOnlyDictionary<string, string> Details)
{
    /// <summary>A runtime looked for inside a container: the containers it is nested in, outermost first; null for one of this host.</summary>
    public IReadOnlyList<NestingLinkLine>? NestedIn { get; init; }

    private static readonly HashSet<string> Known =
    [
        AcquisitionFields.InRuntime.Name, AcquisitionFields.InRuntime.Endpoint, AcquisitionFields.InRuntime.Answered,
        AcquisitionFields.InRuntime.Version, AcquisitionFields.InRuntime.ApiVersion, AcquisitionFields.InRuntime.Reason,
        AcquisitionFields.InRuntime.Locality, AcquisitionFields.InRuntime.LocalityWhy,
    ];

    internal static RuntimeProbeRecord From(JsonFields f) => new(
        f.String(AcquisitionFields.InRuntime.Name),
        f.String(AcquisitionFields.InRuntime.Endpoint),
        f.Bool(AcquisitionFields.InRuntime.Answered),
        f.String(AcquisitionFields.InRuntime.Version),
        f.String(AcquisitionFields.InRuntime.ApiVersion),
        f.String(AcquisitionFields.InRuntime.Reason),
        f.String(AcquisitionFields.InRuntime.Locality),
        f.String(AcquisitionFields.InRuntime.LocalityWhy),
        f.OtherStrings(Known))
    {
        NestedIn = NestingLinkLine.Chain(f),
    };
}

/// <summary>
/// The collection's options. The since-times are kept as written (ISO 8601 with an offset, as
/// the command line gave them), not in cfir's nanosecond form.
/// </summary>
public sealed record AcquisitionOptions(string? Filesystem, long? MaxFileSize, string? Oversize, string? LogsSince, string? EventsSince,
    bool? Volumes, bool? Memory, long? MemoryMaxBytes, bool? RunningOnly, IReadOnlyList<string>? Containers, IReadOnlyList<string>? Labels)
{
    /// <summary><c>--nested-depth</c> (0 with <c>--no-nested</c>).</summary>
    public int? NestedDepth { get; init; }

    internal static AcquisitionOptions From(JsonFields f) => new(
        f.String(AcquisitionFields.InOptions.Filesystem),
        f.Int64(AcquisitionFields.InOptions.MaxFileSize),
        f.String(AcquisitionFields.InOptions.Oversize),
        f.String(AcquisitionFields.InOptions.LogsSince),
        f.String(AcquisitionFields.InOptions.EventsSince),
        f.Bool(AcquisitionFields.InOptions.Volumes),
        f.Bool(AcquisitionFields.InOptions.Memory),
        f.Int64(AcquisitionFields.InOptions.MemoryMaxBytes),
        f.Bool(AcquisitionFields.InOptions.RunningOnly),
        f.Strings(AcquisitionFields.InOptions.Containers),
        f.Strings(AcquisitionFields.InOptions.Labels))
    {
        NestedDepth = f.Int32(AcquisitionFields.InOptions.NestedDepth),
    };
}
