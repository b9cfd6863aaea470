using System.Globalization;
using System.Text;

namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// A container run by a runtime nested in a node (<see cref="KindNode"/>, <see cref="DockerInDocker"/>),
/// as the test planted it: its init wrote <see cref="PlantedContent"/> to <see cref="PlantedPath"/>
/// in its root, then exec'd <see cref="Command"/>, a sleep with an argument no other container of
/// the run has, so that a process's cmdline names the one container it belongs to.
/// </summary>
public sealed record NestedContainer
{
    /// <summary>Where the init wrote <see cref="PlantedContent"/>, inside the container.</summary>
    public const string PlantedPath = "/cfir-planted";

    /// <summary>The id the nested runtime gives it (containerd: the name given to ctr; Docker: the 64-hex id).</summary>
    public required string Id { get; init; }

    /// <summary>Its name (containerd: the id; Docker: without the leading slash).</summary>
    public required string Name { get; init; }

    /// <summary>The containerd namespace it is in (default, k8s.io); null for Docker.</summary>
    public string? Namespace { get; init; }

    /// <summary>The init's pid as the nested runtime reports it: in the node's pid namespace.</summary>
    public required int InnerPid { get; init; }

    /// <summary>The same process's pid in the rig's (cfir's) pid namespace, found through NSpid and checked by its cmdline.</summary>
    public required int HostPid { get; init; }

    /// <summary>The init's argv once it runs: <c>sleep &lt;unique number&gt;</c>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public required byte[] PlantedContent { get; init; }

    /// <summary>What /proc/&lt;pid&gt;/cmdline of the init reads: each argument NUL-terminated.</summary>
    public byte[] Cmdline => Encoding.UTF8.GetBytes(string.Concat(Command.Select(a => a + "\0")));

    /// <summary>The planted file as the host reaches it, through the init's root.</summary>
    public string PlantedHostPath => $"/proc/{HostPid.ToString(CultureInfo.InvariantCulture)}/root{PlantedPath}";
}
