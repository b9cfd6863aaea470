using k8s.Models;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// The ConfigMaps, Secrets and PersistentVolumeClaims a pod's spec names, read from the typed
/// model (a decision, never evidence). The places follow the kubelet's own visitors
/// (kubernetes/kubernetes pkg/api/v1/pod/util.go, <c>VisitPodSecretNames</c> and
/// <c>VisitPodConfigmapNames</c>): every container, init, app and ephemeral, with its env
/// <c>valueFrom</c> and <c>envFrom</c>; volumes of kind configMap, secret, projected and the
/// volume plugins that take a secret reference; imagePullSecrets. A generic ephemeral volume's
/// claim is named POD-VOLUME (https://kubernetes.io/docs/concepts/storage/ephemeral-volumes/#persistentvolumeclaim-naming).
/// </summary>
internal sealed class PodReferences
{
    public ReferenceSet ConfigMaps { get; } = new();

    public ReferenceSet Secrets { get; } = new();

    public ReferenceSet Claims { get; } = new();

    public static PodReferences Of(V1Pod pod)
    {
        var refs = new PodReferences();
        var spec = pod.Spec;
        if (spec is null)
        {
            return refs;
        }
        foreach (var c in spec.InitContainers ?? [])
        {
            refs.AddEnv(c.Env, c.EnvFrom, $"init container {c.Name}");
        }
        foreach (var c in spec.Containers ?? [])
        {
            refs.AddEnv(c.Env, c.EnvFrom, $"app container {c.Name}");
        }
        foreach (var c in spec.EphemeralContainers ?? [])
        {
            refs.AddEnv(c.Env, c.EnvFrom, $"ephemeral container {c.Name}");
        }
        foreach (var s in spec.ImagePullSecrets ?? [])
        {
            refs.Secrets.Add(s.Name, "imagePullSecrets");
        }
        foreach (var v in spec.Volumes ?? [])
        {
            refs.AddVolume(v, pod.Metadata?.Name);
        }
        return refs;
    }

    private void AddEnv(IList<V1EnvVar>? env, IList<V1EnvFromSource>? envFrom, string container)
    {
        foreach (var e in env ?? [])
        {
            if (e.ValueFrom?.ConfigMapKeyRef is { } cm)
            {
                ConfigMaps.Add(cm.Name, $"env {e.Name} of {container}", cm.Optional);
            }
            if (e.ValueFrom?.SecretKeyRef is { } s)
            {
                Secrets.Add(s.Name, $"env {e.Name} of {container}", s.Optional);
            }
        }
        foreach (var e in envFrom ?? [])
        {
            if (e.ConfigMapRef is { } cm)
            {
                ConfigMaps.Add(cm.Name, $"envFrom of {container}", cm.Optional);
            }
            if (e.SecretRef is { } s)
            {
                Secrets.Add(s.Name, $"envFrom of {container}", s.Optional);
            }
        }
    }

    private void AddVolume(V1Volume v, string? podName)
    {
        string by = $"volume {v.Name}";
        ConfigMaps.Add(v.ConfigMap?.Name, by, v.ConfigMap?.Optional);
        Secrets.Add(v.Secret?.SecretName, by, v.Secret?.Optional);
        foreach (var source in v.Projected?.Sources ?? [])
        {
            ConfigMaps.Add(source.ConfigMap?.Name, by + " (projected)", source.ConfigMap?.Optional);
            Secrets.Add(source.Secret?.Name, by + " (projected)", source.Secret?.Optional);
        }
        Secrets.Add(v.Csi?.NodePublishSecretRef?.Name, by + " (csi nodePublishSecretRef)");
        Secrets.Add(v.FlexVolume?.SecretRef?.Name, by + " (flexVolume secretRef)");
        Secrets.Add(v.Cephfs?.SecretRef?.Name, by + " (cephfs secretRef)");
        Secrets.Add(v.Rbd?.SecretRef?.Name, by + " (rbd secretRef)");
        Secrets.Add(v.Iscsi?.SecretRef?.Name, by + " (iscsi secretRef)");
        Secrets.Add(v.ScaleIO?.SecretRef?.Name, by + " (scaleIO secretRef)");
        Secrets.Add(v.Storageos?.SecretRef?.Name, by + " (storageos secretRef)");
        Secrets.Add(v.AzureFile?.SecretName, by + " (azureFile secretName)");
        Claims.Add(v.PersistentVolumeClaim?.ClaimName, by);
        if (v.Ephemeral is not null && podName is not null)
        {
            Claims.Add(podName + "-" + v.Name, by + " (generic ephemeral volume)");
        }
    }
}
