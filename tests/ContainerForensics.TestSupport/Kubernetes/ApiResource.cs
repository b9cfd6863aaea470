namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// One resource the stand-in serves, as discovery describes it (an APIResource of an
/// APIResourceList: https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris and
/// https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api), plus the field
/// selectors the real server accepts for it.
/// </summary>
internal sealed record ApiResource(
    string Group,
    string Version,
    string Name,
    string SingularName,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    IReadOnlyList<ApiSubresource> Subresources,
    IReadOnlyDictionary<string, string> SelectableFields)
{
    /// <summary>"v1" for the core group, else "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public string ListKind => Kind + "List";

    /// <summary>How the real server names the resource in messages: "pods", "deployments.apps" (schema.GroupResource.String()).</summary>
    public string QualifiedName => Group.Length == 0 ? Name : Name + "." + Group;

    /// <summary>
    /// The JSON path (dotted) a field selector label reads, or null when the real server refuses
    /// the label with "field label not supported". Every resource supports metadata.name and
    /// metadata.namespace (https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/).
    /// </summary>
    public string? FieldPath(string label) =>
        label is "metadata.name" or "metadata.namespace" ? label : SelectableFields.GetValueOrDefault(label);
}

/// <summary>A subresource listed in discovery, like "pods/log" (verbs get) or "pods/status".</summary>
internal sealed record ApiSubresource(string Name, IReadOnlyList<string> Verbs);
