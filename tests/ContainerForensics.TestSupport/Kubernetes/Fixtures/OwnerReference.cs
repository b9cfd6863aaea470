using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// metadata.ownerReferences[] (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/object-meta/#System):
/// the controller that made an object, e.g. a ReplicaSet for its pods.
/// </summary>
public sealed record OwnerReference(string ApiVersion, string Kind, string Name, string Uid, bool Controller = true)
{
    internal JsonObject ToJson() => new()
    {
        ["apiVersion"] = ApiVersion,
        ["kind"] = Kind,
        ["name"] = Name,
        ["uid"] = Uid,
        ["controller"] = Controller,
        ["blockOwnerDeletion"] = true,
    };
}
