namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// One event about an object, from which <see cref="K8sFixtures.CoreEvent"/> (core/v1) and
/// <see cref="K8sFixtures.Event"/> (events.k8s.io/v1) build the two views a real cluster serves
/// of the same stored event (same name and uid).
/// </summary>
public sealed record EventFixture(string Namespace, string Name, string Uid, string Reason, string Message)
{
    /// <summary>The object it is about (involvedObject / regarding).</summary>
    public required (string ApiVersion, string Kind, string Name, string Uid) Regarding { get; init; }

    /// <summary>involvedObject.fieldPath, e.g. "spec.containers{app}".</summary>
    public string? FieldPath { get; init; }

    public string Type { get; init; } = "Normal";

    /// <summary>The first time it happened (eventTime, with microseconds; firstTimestamp in core/v1, with seconds).</summary>
    public DateTimeOffset Time { get; init; } = K8sFixtures.Created.AddSeconds(10);

    /// <summary>How often it happened (series.count in events.k8s.io when above 1).</summary>
    public int Count { get; init; } = 1;

    /// <summary>The last time (lastTimestamp / series.lastObservedTime); Time when null.</summary>
    public DateTimeOffset? LastTime { get; init; }

    public string ReportingController { get; init; } = "kubelet";

    public string ReportingInstance { get; init; } = "worker-1";

    /// <summary>What the reporter did (events.k8s.io action), e.g. "Pulling", "Killing"; the reason when null.</summary>
    public string? Action { get; init; }
}
