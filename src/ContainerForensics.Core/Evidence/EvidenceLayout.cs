using System.Text;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The one place that decides where evidence goes in the archive (docs/evidence-format.md):
/// <code>
/// acquisition/acquisition.json            the acquisition record (after the volatile state, once discovery is complete)
/// runtimes/&lt;runtime&gt;/&lt;section&gt;/...          engine-wide evidence
/// containers/&lt;runtime&gt;/&lt;namespace&gt;/&lt;name&gt;_&lt;id12&gt;/&lt;section&gt;/...
/// containers/&lt;runtime&gt;/&lt;namespace&gt;/pods/&lt;podns&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;container&gt;_&lt;id12&gt;/&lt;section&gt;/...   (Kubernetes)
/// containers/&lt;runtime&gt;/&lt;namespace&gt;/pods/&lt;podns&gt;_&lt;pod&gt;_&lt;uid&gt;/sandbox_&lt;id12&gt;/&lt;section&gt;/...
/// containers/kubernetes/&lt;podns&gt;/pods/&lt;podns&gt;_&lt;pod&gt;_&lt;uid&gt;/api/&lt;section&gt;/...   (the API server's view of the pod)
/// containers/&lt;hostruntime&gt;/&lt;ns&gt;/&lt;node&gt;_&lt;id12&gt;/nested/&lt;runtime&gt;/&lt;ns&gt;/&lt;name&gt;_&lt;id12&gt;/&lt;section&gt;/...   (a runtime nested in that container)
/// runtimes/&lt;runtime&gt;-in-&lt;hostruntime&gt;-&lt;node&gt;_&lt;id12&gt;/&lt;section&gt;/...      (a nested runtime's engine evidence)
/// acquisition/log.jsonl                   the acquisition log (before the manifest)
/// </code>
/// A nested container's folder is built like any other, under its host container's folder
/// (whose own folder may be nested in turn), so one container's whole world is one subtree;
/// a nested runtime's engine evidence stays with every other engine's under runtimes/, named
/// by its chain. The chain, not the names, keeps two places apart: two kind nodes' containerds
/// never share a folder, nor does a nested container that has a host container's id.
/// The manifest, SHA256SUMS, provenance and seal are named by the archive writer itself.
/// Collectors never build paths; they name evidence inside a section.
/// </summary>
public sealed class EvidenceLayout
{
    public static readonly ArchivePath AcquisitionRecord = ArchivePath.Of("acquisition", "acquisition.json");

    public static readonly ArchivePath AcquisitionLog = ArchivePath.Of("acquisition", "log.jsonl");

    /// <summary>A triggered acquisition (watch mode): the event's bytes as the runtime sent them, JSON or protobuf.</summary>
    public static ArchivePath TriggerEvent(bool json) => ArchivePath.Of("acquisition", json ? "trigger-event.json" : "trigger-event.pb");

    /// <summary>The folder under a containerd namespace that holds one folder per Kubernetes pod.</summary>
    public const string PodsFolder = "pods";

    /// <summary>The leaf name of a pod's sandbox container: "sandbox_&lt;id12&gt;".</summary>
    public const string SandboxFolder = "sandbox";

    /// <summary>The leaf name of a whole pod as the API server describes it, beside its containers' folders when a node's runtime lists them too.</summary>
    public const string WholePodFolder = "api";

    /// <summary>The folder inside a container's folder that holds the containers of the runtimes nested in it, by runtime.</summary>
    public const string NestedFolder = "nested";

    private readonly Dictionary<string, ArchivePath> _containerRoots = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedRoots = new(StringComparer.Ordinal);

    private readonly Dictionary<string, ArchivePath> _engineRoots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _engineFolders = new(StringComparer.Ordinal);

    /// <summary>
    /// The folder of one engine: runtimes/&lt;name&gt;, and runtimes/&lt;name&gt;-2 ... for further endpoints of
    /// the same runtime; a nested one's runtimes/&lt;name&gt;-in-&lt;hostruntime&gt;-&lt;node folder&gt;, with one
    /// more "-in-..." for each level above.
    /// </summary>
    public ArchivePath EngineRoot(RuntimeDescriptor engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        string key = (engine.Nesting?.Key ?? "") + "\0|\0" + engine.Name + "\0" + engine.Endpoint;
        string folder = Segment(engine.Name);
        for (var link = engine.Nesting; link is not null; link = link.Parent)
        {
            folder += "-in-" + Segment(link.HostContainer.Runtime) + "-" + Leaf(ContainerRoot(link.HostContainer));
        }
        lock (_engineRoots)
        {
            if (!_engineRoots.TryGetValue(key, out var root))
            {
                int n = _engineFolders.TryGetValue(folder, out int seen) ? seen : 0;
                _engineFolders[folder] = n + 1;
                root = ArchivePath.Of("runtimes", n == 0 ? folder : $"{folder}-{(n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                _engineRoots[key] = root;
            }
            return root;
        }
    }

    /// <summary>
    /// The folder that groups containers under their runtime (<c>&lt;ns&gt;</c> in docs/evidence-format.md):
    /// containerd's namespace, or the Podman pod, or "-".
    /// </summary>
    private static string Group(ContainerInfo container) => container.RuntimeNamespace ?? container.PodmanPod ?? "-";

    /// <summary>The folder of one container; stable for the run, distinct for distinct containers.</summary>
    public ArchivePath ContainerRoot(ContainerInfo container)
    {
        ArgumentNullException.ThrowIfNull(container);
        string key = (container.NestedIn?.Key ?? "") + "\0|\0" + container.Runtime + "\0" + Group(container) + "\0" + container.Id;
        // A nested container's place starts inside its host container's folder.
        var containers = container.NestedIn is { } link
            ? ContainerRoot(link.HostContainer).Append(NestedFolder)
            : ArchivePath.Of("containers");
        lock (_containerRoots)
        {
            if (_containerRoots.TryGetValue(key, out var existing))
            {
                return existing;
            }
            string group = Group(container);
            string id = container.Id.Length == 64 && container.Id.All(Uri.IsHexDigit) ? container.Id[..12] : container.Id;
            ArchivePath parent;
            string leaf;
            if (container.PodMembership is { } pod)
            {
                // Kubernetes: one folder per pod, its sandbox and containers inside.
                parent = containers.Append(Segment(container.Runtime)).Append(Segment(group)).Append(PodsFolder).Append(PodSegment(pod));
                leaf = pod.IsWholePod ? WholePodFolder
                    : pod.IsSandbox ? SandboxFolder + "_" + Segment(id)
                    : string.IsNullOrEmpty(pod.ContainerName) ? Segment(id)
                    : Segment(pod.ContainerName) + "_" + Segment(id);
            }
            else
            {
                parent = containers.Append(Segment(container.Runtime)).Append(Segment(group));
                leaf = string.IsNullOrEmpty(container.Name) || container.Name == container.Id
                    ? Segment(id)
                    : Segment(container.Name.TrimStart('/')) + "_" + Segment(id);
            }
            var root = parent.Append(leaf);
            // Two containers whose names and id prefixes collide get the full id instead; so
            // does a non-pod container that would be named like the pods folder.
            if (leaf == PodsFolder && container.PodMembership is null || !_usedRoots.Add(root.Value))
            {
                root = parent.Append(Segment(container.Id) + "_" + _usedRoots.Count);
                _usedRoots.Add(root.Value);
            }
            _containerRoots[key] = root;
            return root;
        }
    }

    private static string Leaf(ArchivePath folder) => folder.Value[(folder.Value.LastIndexOf('/') + 1)..];

    /// <summary>Where an item goes under a scope root.</summary>
    public static ArchivePath Place(ArchivePath root, EvidenceItem item)
    {
        var sectionRoot = root.Append(SectionFolder(item.Section));
        if (item.RawPath is { Length: > 0 } raw)
        {
            var placed = sectionRoot.AppendRaw(raw);
            if (placed.Equals(sectionRoot))
            {
                return sectionRoot.Append("%2F"); // the root directory itself ("/")
            }
            return placed;
        }
        if (string.IsNullOrEmpty(item.Name))
        {
            throw new ArgumentException("an evidence item needs a Name or a RawPath");
        }
        return sectionRoot.Append(item.Name);
    }

    /// <summary>"&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;", the kubelet's own name for a pod's folder under /var/log/pods.</summary>
    public static string PodSegment(PodMembership pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return Segment(pod.Namespace) + "_" + Segment(pod.Name) + "_" + Segment(pod.Uid);
    }

    public static string SectionFolder(EvidenceSection section) => section switch
    {
        EvidenceSection.Metadata => "metadata",
        EvidenceSection.Volatile => "volatile",
        EvidenceSection.Logs => "logs",
        EvidenceSection.FilesystemChanged => "filesystem/changed",
        EvidenceSection.FilesystemFull => "filesystem/full",
        EvidenceSection.Volumes => "volumes",
        _ => throw new ArgumentOutOfRangeException(nameof(section)),
    };

    private static string Segment(string untrusted) => ArchivePath.EscapeSegment(Encoding.UTF8.GetBytes(untrusted));
}
