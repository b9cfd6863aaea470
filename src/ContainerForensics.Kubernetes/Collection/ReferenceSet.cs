namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// The objects of one kind a pod names (ConfigMaps, Secrets, claims), each once, with every place
/// that names it and whether all of them are optional: a missing object that only optional
/// references name is one the pod starts without.
/// </summary>
internal sealed class ReferenceSet
{
    private readonly SortedDictionary<string, Reference> _byName = new(StringComparer.Ordinal);

    public IEnumerable<Reference> All => _byName.Values;

    public int Count => _byName.Count;

    public void Add(string? name, string by, bool? optional = null)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }
        if (!_byName.TryGetValue(name, out var reference))
        {
            _byName[name] = reference = new Reference(name);
        }
        reference.By.Add(by);
        reference.Optional &= optional == true;
    }

    public sealed class Reference(string name)
    {
        public string Name { get; } = name;

        /// <summary>Where the pod names it: "env DB_PASSWORD of app container web", "volume config".</summary>
        public List<string> By { get; } = [];

        /// <summary>Every reference is marked optional.</summary>
        public bool Optional { get; set; } = true;

        /// <summary>"referenced by A, B (optional: the pod starts without it)".</summary>
        public string Describe() => "referenced by " + string.Join(", ", By.Distinct(StringComparer.Ordinal)) + (Optional ? " (optional: the pod starts without it)" : "");
    }
}
