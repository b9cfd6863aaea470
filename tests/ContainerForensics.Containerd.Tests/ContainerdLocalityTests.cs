using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// containerd's locality comes from whoever listens on its socket, however the socket is
/// reached: the rig's containerd through <c>/proc/&lt;pid&gt;/root/...</c> (the path a kind
/// node's containerd is given by) is still the same daemon in cfir's namespaces.
/// </summary>
[Collection("containerd rig")]
public sealed class ContainerdLocalityTests
{
    [EngineFact(Engine.Containerd)]
    public async Task The_rig_s_containerd_is_on_this_host_also_through_its_proc_root_path()
    {
        string socket = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress)!;
        var settings = new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(15) };
        await using var direct = await ContainerdRuntime.ConnectAsync(socket, settings, default);
        var here = direct.Descriptor.Locality;
        Assert.Equal(LocalityKind.ThisHost, here.Kind);
        Assert.True(here.SharesHostPaths, here.Why);
        int daemon = here.DaemonPid!.Value;
        Assert.Equal("containerd", File.ReadAllText($"/proc/{daemon}/comm").Trim());

        await using var throughRoot = await ContainerdRuntime.ConnectAsync($"/proc/{daemon}/root{socket}", settings, default);

        Assert.Equal(LocalityKind.ThisHost, throughRoot.Descriptor.Locality.Kind);
        Assert.Equal(daemon, throughRoot.Descriptor.Locality.DaemonPid);
    }
}
