using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// Realistic JSON text of Kubernetes objects, as a v1.32 API server would return them (field
/// order, defaults the server fills in, status a kubelet or controller would write), for
/// <see cref="StandInCluster.Add"/>. Every object carries kind, apiVersion, uid and
/// resourceVersion. Times follow the API's types: metav1.Time (creationTimestamp,
/// lastTransitionTime, managedFields time) has seconds, metav1.MicroTime (events.k8s.io eventTime)
/// has microseconds. Ids derived from names (container ids, image digests) are deterministic.
/// </summary>
public static partial class K8sFixtures
{
    /// <summary>When fixture objects were created unless told otherwise.</summary>
    public static DateTimeOffset Created { get; } = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/ ; with the Pod Security Admission labels.</summary>
    public static string Namespace(string name, string uid, string enforce = "baseline", DateTimeOffset? created = null)
    {
        var labels = new Dictionary<string, string>
        {
            ["kubernetes.io/metadata.name"] = name,
            ["pod-security.kubernetes.io/enforce"] = enforce,
            ["pod-security.kubernetes.io/enforce-version"] = "latest",
            ["pod-security.kubernetes.io/warn"] = "restricted",
            ["pod-security.kubernetes.io/audit"] = "restricted",
        };
        return Text(new JsonObject
        {
            ["kind"] = "Namespace",
            ["apiVersion"] = "v1",
            ["metadata"] = Metadata(null, name, uid, created, labels),
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
            ["status"] = new JsonObject { ["phase"] = "Active" },
        });
    }

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/</summary>
    public static string Node(string name, string uid, string internalIp = "172.18.0.3", string kubeletVersion = "v1.32.4")
    {
        var labels = new Dictionary<string, string>
        {
            ["beta.kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
        };
        return Text(new JsonObject
        {
            ["kind"] = "Node",
            ["apiVersion"] = "v1",
            ["metadata"] = Metadata(null, name, uid, null, labels,
                new Dictionary<string, string> { ["node.alpha.kubernetes.io/ttl"] = "0", ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true" }),
            ["spec"] = new JsonObject { ["podCIDR"] = "10.244.1.0/24", ["podCIDRs"] = new JsonArray("10.244.1.0/24"), ["providerID"] = $"kind://docker/shop/{name}" },
            ["status"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["cpu"] = "2", ["ephemeral-storage"] = "102626232Ki", ["memory"] = "8148228Ki", ["pods"] = "110" },
                ["allocatable"] = new JsonObject { ["cpu"] = "2", ["ephemeral-storage"] = "102626232Ki", ["memory"] = "8148228Ki", ["pods"] = "110" },
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Hex(name + "machine", 32),
                    ["systemUUID"] = Uuid(name + "system"),
                    ["bootID"] = Uuid(name + "boot"),
                    ["kernelVersion"] = "6.1.0-28-amd64",
                    ["osImage"] = "Debian GNU/Linux 12 (bookworm)",
                    ["containerRuntimeVersion"] = "containerd://1.7.24",
                    ["kubeletVersion"] = kubeletVersion,
                    ["kubeProxyVersion"] = kubeletVersion,
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        });
    }

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/config-map-v1/</summary>
    public static string ConfigMap(string ns, string name, string uid, IReadOnlyDictionary<string, string> data) => Text(new JsonObject
    {
        ["kind"] = "ConfigMap",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, uid),
        ["data"] = Map(data),
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/secret-v1/ ; values given in clear, stored base64 as the API does.</summary>
    public static string Secret(string ns, string name, string uid, IReadOnlyDictionary<string, string> data, string type = "Opaque") => Text(new JsonObject
    {
        ["kind"] = "Secret",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, uid),
        ["data"] = Map(data.ToDictionary(kv => kv.Key, kv => Convert.ToBase64String(Encoding.UTF8.GetBytes(kv.Value)))),
        ["type"] = type,
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/service-account-v1/</summary>
    public static string ServiceAccount(string ns, string name, string uid, IReadOnlyList<string>? imagePullSecrets = null, bool? automountToken = null)
    {
        var sa = new JsonObject { ["kind"] = "ServiceAccount", ["apiVersion"] = "v1", ["metadata"] = Metadata(ns, name, uid) };
        if (automountToken is { } automount)
        {
            sa["automountServiceAccountToken"] = automount;
        }
        if (imagePullSecrets is { Count: > 0 })
        {
            sa["imagePullSecrets"] = new JsonArray([.. imagePullSecrets.Select(s => (JsonNode)new JsonObject { ["name"] = s })]);
        }
        return Text(sa);
    }

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-claim-v1/ (bound).</summary>
    public static string PersistentVolumeClaim(string ns, string name, string uid, string volumeName, string size = "1Gi", string storageClass = "standard") => Text(new JsonObject
    {
        ["kind"] = "PersistentVolumeClaim",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, uid, null, null, new Dictionary<string, string>
        {
            ["pv.kubernetes.io/bind-completed"] = "yes",
            ["pv.kubernetes.io/bound-by-controller"] = "yes",
            ["volume.kubernetes.io/storage-provisioner"] = "rancher.io/local-path",
        }, finalizers: ["kubernetes.io/pvc-protection"]),
        ["spec"] = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = size } },
            ["storageClassName"] = storageClass,
            ["volumeMode"] = "Filesystem",
            ["volumeName"] = volumeName,
        },
        ["status"] = new JsonObject { ["phase"] = "Bound", ["accessModes"] = new JsonArray("ReadWriteOnce"), ["capacity"] = new JsonObject { ["storage"] = size } },
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/persistent-volume-v1/ (a hostPath volume bound to a claim).</summary>
    public static string PersistentVolume(string name, string uid, string claimNamespace, string claimName, string claimUid, string hostPath, string size = "1Gi") => Text(new JsonObject
    {
        ["kind"] = "PersistentVolume",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(null, name, uid, null, null, new Dictionary<string, string> { ["pv.kubernetes.io/provisioned-by"] = "rancher.io/local-path" },
            finalizers: ["kubernetes.io/pv-protection"]),
        ["spec"] = new JsonObject
        {
            ["capacity"] = new JsonObject { ["storage"] = size },
            ["hostPath"] = new JsonObject { ["path"] = hostPath, ["type"] = "DirectoryOrCreate" },
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["claimRef"] = new JsonObject
            {
                ["kind"] = "PersistentVolumeClaim",
                ["namespace"] = claimNamespace,
                ["name"] = claimName,
                ["uid"] = claimUid,
                ["apiVersion"] = "v1",
            },
            ["persistentVolumeReclaimPolicy"] = "Delete",
            ["storageClassName"] = "standard",
            ["volumeMode"] = "Filesystem",
        },
        ["status"] = new JsonObject { ["phase"] = "Bound", ["lastPhaseTransitionTime"] = Time(Created) },
    });

    /// <summary>
    /// metadata as the server returns it (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/):
    /// name, namespace, uid, a resourceVersion derived from the uid, creationTimestamp (seconds)
    /// and the optional parts, in the server's order.
    /// </summary>
    internal static JsonObject Metadata(string? ns, string name, string uid, DateTimeOffset? created = null,
        IReadOnlyDictionary<string, string>? labels = null, IReadOnlyDictionary<string, string>? annotations = null,
        IReadOnlyList<OwnerReference>? owners = null, long? generation = null, IReadOnlyList<string>? finalizers = null, string? generateName = null)
    {
        var m = new JsonObject { ["name"] = name };
        if (generateName is not null)
        {
            m["generateName"] = generateName;
        }
        if (ns is not null)
        {
            m["namespace"] = ns;
        }
        m["uid"] = uid;
        m["resourceVersion"] = ResourceVersion(uid);
        if (generation is { } g)
        {
            m["generation"] = g;
        }
        m["creationTimestamp"] = Time(created ?? Created);
        if (labels is { Count: > 0 })
        {
            m["labels"] = Map(labels);
        }
        if (annotations is { Count: > 0 })
        {
            m["annotations"] = Map(annotations);
        }
        if (owners is { Count: > 0 })
        {
            m["ownerReferences"] = new JsonArray([.. owners.Select(o => (JsonNode)o.ToJson())]);
        }
        if (finalizers is { Count: > 0 })
        {
            m["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]);
        }
        return m;
    }

    /// <summary>metav1.Time: RFC 3339, seconds, UTC.</summary>
    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>metav1.MicroTime: RFC 3339 with six fractional digits, UTC.</summary>
    internal static string MicroTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    internal static JsonObject Condition(string type, string status, string? reason = null, string? message = null, bool heartbeat = true)
    {
        var c = new JsonObject { ["type"] = type, ["status"] = status };
        if (heartbeat)
        {
            c["lastHeartbeatTime"] = Time(Created.AddHours(1));
        }
        c["lastTransitionTime"] = Time(Created);
        if (reason is not null)
        {
            c["reason"] = reason;
        }
        if (message is not null)
        {
            c["message"] = message;
        }
        return c;
    }

    internal static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values)
        {
            o[k] = v;
        }
        return o;
    }

    internal static JsonObject Labels(params (string Key, string Value)[] labels) => Map(labels.ToDictionary(l => l.Key, l => l.Value));

    /// <summary>Deterministic lowercase hex of a seed, <paramref name="length"/> characters (container ids, digests).</summary>
    internal static string Hex(string seed, int length = 64) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..length];

    /// <summary>A deterministic uuid-shaped id from a seed.</summary>
    public static string Uuid(string seed)
    {
        string h = Hex(seed, 32);
        return $"{h[..8]}-{h[8..12]}-4{h[13..16]}-a{h[17..20]}-{h[20..32]}";
    }

    private static string ResourceVersion(string uid) =>
        (100000 + (BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(uid)), 0) % 900000)).ToString(CultureInfo.InvariantCulture);

    internal static string Text(JsonObject o) => o.ToJsonString(Output);
}
