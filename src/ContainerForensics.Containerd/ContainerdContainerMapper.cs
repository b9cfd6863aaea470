using ContainerForensics.Containerd.Api;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd;

/// <summary>
/// A containerd container record and its task (if any) as a <see cref="ContainerInfo"/>.
/// containerd keeps the two apart: the container is metadata (spec, image, snapshot), the task
/// is what runs. A container without a task is reported as <c>created</c>: containerd cannot
/// tell "never started" (<c>ctr containers create</c>) from "its task exited and was deleted",
/// and both are a container that exists but has nothing running, which is what nerdctl shows as
/// Created too.
/// </summary>
internal static class ContainerdContainerMapper
{
    public static ContainerInfo ToContainerInfo(Container container, Process? task, string ns)
    {
        var labels = new Dictionary<string, string>(container.Labels, StringComparer.Ordinal);
        string state = task is null ? "created" : StateOf(task.Status);
        return new ContainerInfo
        {
            Runtime = ContainerdRuntimeProvider.RuntimeName,
            Id = container.Id,
            Name = NameOf(container.Id, labels),
            Image = string.IsNullOrEmpty(container.Image) ? null : container.Image,
            State = state,
            RuntimeNamespace = ns,
            PodMembership = PodMembershipOf(labels),
            // A stopped task keeps the pid of its exited init process: not a pid to look at.
            Pid = task is not null && task.Pid != 0 && state is "running" or "paused" ? checked((int)task.Pid) : null,
            Created = container.CreatedAt?.ToDateTimeOffset(),
            Labels = labels,
            ManagedBy = DockerManaged(ns, labels) ? new ContainerRef(DockerRuntimeName, container.Id) : null,
        };
    }

    /// <summary>The runtime name Docker's containers are collected under (ContainerInfo.Runtime).</summary>
    public const string DockerRuntimeName = "docker";

    /// <summary>
    /// dockerd (libcontainerd) creates its containers in namespace "moby" under the Docker id and
    /// labels them with the bundle path; either marks a container Docker manages.
    /// </summary>
    public static bool DockerManaged(string ns, IReadOnlyDictionary<string, string> labels) =>
        ns == ContainerdLabels.DockerNamespace || labels.ContainsKey(ContainerdLabels.DockerBundlePath);

    public static string StateOf(Status status) => status switch
    {
        Status.Running => "running",
        Status.Paused or Status.Pausing => "paused",
        Status.Stopped => "stopped",
        Status.Created => "created",
        _ => "unknown",
    };

    /// <summary>The name a person gave it (Kubernetes container name, nerdctl --name), else its id.</summary>
    public static string NameOf(string id, IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(ContainerdLabels.KubernetesContainerName, out var k8s) && k8s.Length > 0 ? k8s
        : labels.TryGetValue(ContainerdLabels.NerdctlName, out var nerdctl) && nerdctl.Length > 0 ? nerdctl
        : id;

    /// <summary>
    /// The pod a CRI container or sandbox belongs to. The CRI plugin puts the pod's
    /// io.kubernetes.pod.{namespace,name,uid} labels on both, io.kubernetes.container.name on
    /// containers, and io.cri-containerd.kind on both (checked on containerd 1.6.20).
    /// </summary>
    public static PodMembership? PodMembershipOf(IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(ContainerdLabels.KubernetesPodNamespace, out var podNs) || podNs.Length == 0 ||
            !labels.TryGetValue(ContainerdLabels.KubernetesPodName, out var pod) || pod.Length == 0)
        {
            return null;
        }
        bool sandbox = labels.TryGetValue(ContainerdLabels.CriKind, out var kind) && kind == ContainerdLabels.CriKindSandbox;
        return new PodMembership
        {
            Namespace = podNs,
            Name = pod,
            Uid = labels.GetValueOrDefault(ContainerdLabels.KubernetesPodUid) ?? "",
            ContainerName = sandbox ? null : labels.GetValueOrDefault(ContainerdLabels.KubernetesContainerName),
            IsSandbox = sandbox,
        };
    }
}
