namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>How a stand-in API server presents itself.</summary>
public sealed class StandInOptions
{
    /// <summary>The bearer token it accepts; null makes a random one.</summary>
    public string? Token { get; init; }

    /// <summary>The gitVersion /version reports (major and minor are taken from it).</summary>
    public string GitVersion { get; init; } = "v1.32.4";

    /// <summary>The clock for certificate validity, sinceSeconds and SelfSubjectReview's creationTimestamp.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long disposal waits for answers in flight before cutting connections (hung requests are cut at once).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
