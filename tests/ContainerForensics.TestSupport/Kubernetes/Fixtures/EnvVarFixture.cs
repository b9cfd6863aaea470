using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// A container's env[] entry (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables):
/// a literal value, or valueFrom a Secret's or ConfigMap's key.
/// </summary>
public sealed record EnvVarFixture(string Name, JsonObject Json)
{
    public static EnvVarFixture Value(string name, string value) => new(name, new JsonObject { ["name"] = name, ["value"] = value });

    public static EnvVarFixture SecretKey(string name, string secret, string key) => new(name, new JsonObject
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } },
    });

    public static EnvVarFixture ConfigMapKey(string name, string configMap, string key) => new(name, new JsonObject
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = configMap, ["key"] = key } },
    });
}

/// <summary>A container's envFrom[] entry: every key of a Secret or ConfigMap as variables.</summary>
public sealed record EnvFromFixture(JsonObject Json)
{
    public static EnvFromFixture Secret(string secret) => new(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = secret } });

    public static EnvFromFixture ConfigMap(string configMap) => new(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = configMap } });
}
