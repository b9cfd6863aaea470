namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// The dockerd a node runs in, and its docker CLI: the rig's own (<see cref="Rig"/>), or the
/// dockerd of a <see cref="DockerInDocker"/>, reached with that container's own CLI through the
/// engine that runs it (<c>docker exec OUTER docker ARGS</c>), so a DinD inside a DinD is driven
/// as a CI job would drive it. Pids it reports are its own pid namespace's; <see cref="HostPidAsync"/>
/// finds the host's.
/// </summary>
public sealed class NodeEngine
{
    private NodeEngine(DockerInDocker? dind) => Dind = dind;

    /// <summary>The rig's dockerd (scripts/rig/up.sh).</summary>
    public static NodeEngine Rig { get; } = new(null);

    /// <summary>The DinD container whose dockerd this is; null for the rig's.</summary>
    public DockerInDocker? Dind { get; }

    /// <summary>The engine of the DinD container <paramref name="dind"/>.</summary>
    public static NodeEngine Of(DockerInDocker dind) => new(dind);

    /// <summary>How deep its containers are: 1 for the rig's dockerd's nodes, 2 for a DinD's, ...</summary>
    public int Depth => Dind is null ? 1 : Dind.Engine.Depth + 1;

    /// <summary>The rig's docker arguments that run <paramref name="args"/> with this engine's CLI; <paramref name="interactive"/> keeps stdin open down the chain (<c>exec -i</c>).</summary>
    public IReadOnlyList<string> Command(IReadOnlyList<string> args, bool interactive = false) => Dind is null
        ? args
        : Dind.Engine.Command(["exec", .. interactive ? (string[])["-i"] : [], Dind.Name, "docker", .. args], interactive);

    public Task<string> RunAsync(IReadOnlyList<string> args) => RigDocker.RunAsync(Command(args));

    public Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(IReadOnlyList<string> args) => RigDocker.TryRunAsync(Command(args));

    /// <summary><c>docker save IMAGES... </c> of the rig's dockerd, piped into this engine's <c>docker ARGS</c> (a load, or an exec -i of a node's own import).</summary>
    public Task PipeImagesAsync(string[] images, IReadOnlyList<string> args) =>
        RigDocker.PipeAsync(["save", .. images], Command(args, interactive: true));

    /// <summary>The host pid of the process this engine calls <paramref name="enginePid"/> (a container's init it reports): itself for the rig's, else through NSpid.</summary>
    public async Task<int> HostPidAsync(int enginePid)
    {
        if (Dind is null)
        {
            return enginePid;
        }
        int hostPid = 0;
        await NestedNode.WaitUntilAsync(() =>
        {
            hostPid = NestedProcesses.HostPidOf(Dind.HostPid, Dind.PidNamespace, enginePid) ?? 0;
            return Task.FromResult(hostPid > 0);
        }, $"pid {enginePid} of {this} in the host's pid namespace");
        return hostPid;
    }

    public override string ToString() => Dind is null ? "the rig's dockerd" : $"the dockerd of {Dind.Name} ({Dind.Engine})";
}
