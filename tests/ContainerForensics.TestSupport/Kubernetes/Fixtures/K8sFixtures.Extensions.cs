using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

public static partial class K8sFixtures
{
    /// <summary>
    /// https://kubernetes.io/docs/reference/kubernetes-api/extend-resources/mutating-webhook-configuration-v1/ :
    /// one webhook on pod CREATE/UPDATE, called at a Service in the cluster (or a URL when given).
    /// </summary>
    public static string MutatingWebhookConfiguration(string name, string uid, string webhookName, string serviceNamespace, string serviceName, string? url = null) =>
        Webhooks("MutatingWebhookConfiguration", name, uid, webhookName, serviceNamespace, serviceName, url, mutating: true);

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/extend-resources/validating-webhook-configuration-v1/</summary>
    public static string ValidatingWebhookConfiguration(string name, string uid, string webhookName, string serviceNamespace, string serviceName, string? url = null) =>
        Webhooks("ValidatingWebhookConfiguration", name, uid, webhookName, serviceNamespace, serviceName, url, mutating: false);

    /// <summary>
    /// https://kubernetes.io/docs/reference/kubernetes-api/extend-resources/custom-resource-definition-v1/ :
    /// one served, stored version v1 with an open schema; adding it to a <see cref="StandInCluster"/>
    /// makes its resources servable.
    /// </summary>
    public static string CustomResourceDefinition(string group, string plural, string kind, string uid, bool namespaced = true, params string[] shortNames)
    {
        var names = new JsonObject { ["plural"] = plural, ["singular"] = kind.ToLowerInvariant() };
        if (shortNames.Length > 0)
        {
            names["shortNames"] = new JsonArray([.. shortNames.Select(s => (JsonNode)JsonValue.Create(s))]);
        }
        names["kind"] = kind;
        names["listKind"] = kind + "List";
        return Text(new JsonObject
        {
            ["kind"] = "CustomResourceDefinition",
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["metadata"] = Metadata(null, $"{plural}.{group}", uid, generation: 1),
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["names"] = names,
                ["scope"] = namespaced ? "Namespaced" : "Cluster",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = "v1",
                    ["served"] = true,
                    ["storage"] = true,
                    ["schema"] = new JsonObject
                    {
                        ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                    },
                }),
                ["conversion"] = new JsonObject { ["strategy"] = "None" },
            },
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(
                    Condition("NamesAccepted", "True", "NoConflicts", "no conflicts found", heartbeat: false),
                    Condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted", heartbeat: false)),
                ["acceptedNames"] = names.DeepClone(),
                ["storedVersions"] = new JsonArray("v1"),
            },
        });
    }

    private static string Webhooks(string kind, string name, string uid, string webhookName, string serviceNamespace, string serviceName, string? url, bool mutating)
    {
        var clientConfig = url is not null
            ? new JsonObject { ["url"] = url }
            : new JsonObject { ["service"] = new JsonObject { ["namespace"] = serviceNamespace, ["name"] = serviceName, ["path"] = mutating ? "/mutate" : "/validate", ["port"] = 443 } };
        clientConfig["caBundle"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"));
        var hook = new JsonObject
        {
            ["name"] = webhookName,
            ["clientConfig"] = clientConfig,
            ["rules"] = new JsonArray(new JsonObject
            {
                ["operations"] = new JsonArray("CREATE", "UPDATE"),
                ["apiGroups"] = new JsonArray(""),
                ["apiVersions"] = new JsonArray("v1"),
                ["resources"] = new JsonArray("pods"),
                ["scope"] = "*",
            }),
            ["failurePolicy"] = "Ignore",
            ["matchPolicy"] = "Equivalent",
            ["namespaceSelector"] = new JsonObject(),
            ["objectSelector"] = new JsonObject(),
            ["sideEffects"] = "None",
            ["timeoutSeconds"] = 10,
            ["admissionReviewVersions"] = new JsonArray("v1"),
        };
        if (mutating)
        {
            hook["reinvocationPolicy"] = "Never";
        }
        return Text(new JsonObject
        {
            ["kind"] = kind,
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["metadata"] = Metadata(null, name, uid, generation: 1),
            ["webhooks"] = new JsonArray(hook),
        });
    }
}
