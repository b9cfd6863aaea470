namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>
/// The field names of a nesting chain (docs/evidence-format.md, "Nested runtimes") wherever it is
/// written: on a nested runtime and on the descents in the acquisition record, on manifest
/// sources and error records, and in <c>cfir list --json</c>. One element per container the
/// runtime is nested in, outermost (a container of this host) first.
/// </summary>
public static class NestingFields
{
    /// <summary>The chain's own field: an array of links.</summary>
    public const string NestedIn = "nestedIn";

    /// <summary>Inside each link of <see cref="NestedIn"/>: the host container and the runtime that runs it.</summary>
    public static class InLink
    {
        public const string Runtime = "runtime";
        public const string Endpoint = "endpoint";
        public const string Namespace = "namespace";
        public const string ContainerId = "containerId";
        public const string ContainerName = "containerName";
        public const string HostPid = "hostPid";
    }

    /// <summary>Inside each element of the acquisition record's <c>nested.descents</c>: one runtime whose containers were (or were not) looked into.</summary>
    public static class InDescent
    {
        public const string Runtime = "runtime";
        public const string Endpoint = "endpoint";
        public const string Depth = "depth";
        public const string NotDescended = "notDescended";
        public const string Containers = "containers";
    }

    /// <summary>Inside each element of <see cref="InDescent.Containers"/>.</summary>
    public static class InContainer
    {
        public const string Id = "id";
        public const string Name = "name";
        public const string Namespace = "namespace";
        public const string State = "state";
        public const string RuntimePid = "runtimePid";
        public const string HostPid = "hostPid";
        public const string PidTranslation = "pidTranslation";
        public const string NotDescended = "notDescended";
        public const string Sockets = "sockets";
    }

    /// <summary>Inside each element of <see cref="InContainer.Sockets"/>.</summary>
    public static class InSocket
    {
        public const string LookedForBy = "lookedForBy";
        public const string Path = "path";
        public const string Endpoint = "endpoint";
        public const string Found = "found";
        public const string Answered = "answered";
        public const string AnsweredAs = "answeredAs";
        public const string Version = "version";
        public const string Locality = "locality";
        public const string Nested = "nested";
        public const string Reason = "reason";
    }
}
