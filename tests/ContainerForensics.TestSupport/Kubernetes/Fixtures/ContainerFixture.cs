namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// One container of a <see cref="PodFixture"/>: its spec (image, command, env, envFrom, mounts)
/// and the status the kubelet would report for it
/// (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Container and #PodStatus).
/// </summary>
public sealed record ContainerFixture(string Name, string Image)
{
    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyList<EnvVarFixture> Env { get; init; } = [];

    public IReadOnlyList<EnvFromFixture> EnvFrom { get; init; } = [];

    /// <summary>volumeMounts[]: (volume name, mount path).</summary>
    public IReadOnlyList<(string Volume, string MountPath)> Mounts { get; init; } = [];

    /// <summary>status restartCount; above 0 the status has lastState.terminated (the instance `logs --previous` reads).</summary>
    public int RestartCount { get; init; }

    /// <summary>The exit code of the previous instance (lastState.terminated.exitCode).</summary>
    public int LastExitCode { get; init; } = 1;

    /// <summary>A waiting reason ("CrashLoopBackOff", "ContainerCreating") instead of running.</summary>
    public string? Waiting { get; init; }

    /// <summary>For an init container or a finished one: state.terminated with this exit code instead of running.</summary>
    public int? TerminatedExitCode { get; init; }

    /// <summary>For an ephemeral container: the container whose namespaces it joins (kubectl debug --target).</summary>
    public string? TargetContainerName { get; init; }
}
