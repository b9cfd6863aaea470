using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// A pod's spec.volumes[] entry (https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/volume/),
/// the kinds whose sources a collector follows to other objects.
/// </summary>
public sealed record VolumeFixture(string Name, JsonObject Json)
{
    public static VolumeFixture ConfigMap(string name, string configMap) =>
        new(name, new JsonObject { ["name"] = name, ["configMap"] = new JsonObject { ["name"] = configMap, ["defaultMode"] = 420 } });

    public static VolumeFixture Secret(string name, string secret) =>
        new(name, new JsonObject { ["name"] = name, ["secret"] = new JsonObject { ["secretName"] = secret, ["defaultMode"] = 420 } });

    public static VolumeFixture PersistentVolumeClaim(string name, string claim) =>
        new(name, new JsonObject { ["name"] = name, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = claim } });

    public static VolumeFixture HostPath(string name, string path, string type = "Directory") =>
        new(name, new JsonObject { ["name"] = name, ["hostPath"] = new JsonObject { ["path"] = path, ["type"] = type } });

    public static VolumeFixture EmptyDir(string name) => new(name, new JsonObject { ["name"] = name, ["emptyDir"] = new JsonObject() });

    /// <summary>
    /// The projected volume the ServiceAccount admission plugin adds to every pod
    /// ("kube-api-access-XXXXX": a bound token, the cluster CA, the namespace), optionally with a
    /// Secret and a ConfigMap projected beside them.
    /// </summary>
    public static VolumeFixture Projected(string name, string? secret = null, string? configMap = null)
    {
        var sources = new JsonArray
        {
            new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
            new JsonObject
            {
                ["configMap"] = new JsonObject
                {
                    ["name"] = "kube-root-ca.crt",
                    ["items"] = new JsonArray { new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" } },
                },
            },
            new JsonObject
            {
                ["downwardAPI"] = new JsonObject
                {
                    ["items"] = new JsonArray
                    {
                        new JsonObject
                        {
                            ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                            ["path"] = "namespace",
                        },
                    },
                },
            },
        };
        if (secret is not null)
        {
            sources.Add(new JsonObject { ["secret"] = new JsonObject { ["name"] = secret } });
        }
        if (configMap is not null)
        {
            sources.Add(new JsonObject { ["configMap"] = new JsonObject { ["name"] = configMap } });
        }
        return new(name, new JsonObject { ["name"] = name, ["projected"] = new JsonObject { ["sources"] = sources, ["defaultMode"] = 420 } });
    }
}
