using System.Globalization;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Where a nested runtime runs: inside which container of which runtime (a kind node, a CI
/// runner's Docker-in-Docker), found by looking inside that container's root at discovery. It is
/// on the nested runtime's <see cref="RuntimeDescriptor.Nesting"/> and on every container the
/// nested runtime lists (<see cref="ContainerInfo.NestedIn"/>); the layout puts their evidence
/// under the host container's folder and the records carry the chain. Stamped by Core, never by
/// a runtime.
/// </summary>
public sealed record NestingLink
{
    /// <summary>The container the runtime runs in, as its own runtime listed it; its <see cref="ContainerInfo.NestedIn"/> is the link above, at depth 2.</summary>
    public required ContainerInfo HostContainer { get; init; }

    /// <summary>The host container's init process as cfir sees it (translated when its runtime is nested itself), whose root was looked into.</summary>
    public required int HostPid { get; init; }

    /// <summary>The endpoint of the runtime that runs the host container.</summary>
    public required string HostEndpoint { get; init; }

    /// <summary>The host container by its runtime and id.</summary>
    public ContainerRef Host => new(HostContainer.Runtime, HostContainer.Id);

    /// <summary>The host container's name without Docker's leading "/", when it has one.</summary>
    public string? HostName => string.IsNullOrEmpty(HostContainer.Name) ? null : HostContainer.Name.TrimStart('/');

    /// <summary>The link of the runtime that runs the host container, when that one is nested too.</summary>
    public NestingLink? Parent => HostContainer.NestedIn;

    /// <summary>1 for a runtime inside a container of this host's runtime, 2 inside a container of that one, ...</summary>
    public int Depth => (Parent?.Depth ?? 0) + 1;

    /// <summary>Every link from the outermost (in a container of this host) to this one.</summary>
    public IReadOnlyList<NestingLink> Chain
    {
        get
        {
            var chain = new List<NestingLink>();
            for (var link = this; link is not null; link = link.Parent)
            {
                chain.Insert(0, link);
            }
            return chain;
        }
    }

    /// <summary>
    /// What identifies the place for this run: every host runtime's endpoint, namespace and
    /// container id, outermost first. Two nested runtimes in different nodes, or a nested
    /// container with a host container's id, never share a key.
    /// </summary>
    public string Key => string.Join("\0>\0", Chain.Select(l =>
        string.Join('\0', l.HostEndpoint, l.HostContainer.Runtime, l.HostContainer.RuntimeNamespace ?? "", l.HostContainer.Id)));

    /// <summary>"docker/kind-control-plane", "containerd/3f2a9c1d0b7e in docker/kind-control-plane": as cfir list and the records name it.</summary>
    public string Describe()
    {
        string here = HostContainer.Runtime + "/" + (HostName ?? ShortId(HostContainer.Id));
        return Parent is { } parent ? $"{here} in {parent.Describe()}" : here;
    }

    /// <summary>A 64-digit id's first 12, as the engines print it; any other id whole.</summary>
    public static string ShortId(string id) =>
        id.Length == 64 && id.All(Uri.IsHexDigit) ? id[..12] : id;

    public override string ToString() => $"{Describe()} (host pid {HostPid.ToString(CultureInfo.InvariantCulture)})";
}
