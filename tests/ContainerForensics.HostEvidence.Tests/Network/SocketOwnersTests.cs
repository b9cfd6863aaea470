using System.Net;
using System.Net.Sockets;
using ContainerForensics.HostEvidence.Network;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class SocketOwnersTests
{
    [Fact]
    public void Finds_the_sockets_a_process_holds_by_their_fd_links()
    {
        using var proc = new FakeProc();
        proc.Process(10, 1, comm: "nc").Fd(10, 0, "/dev/null").Fd(10, 3, "socket:[500]").Fd(10, 4, "pipe:[501]").Fd(10, 5, "socket:[502]")
            .Process(11, 1, comm: "evil\x1b[2J").Fd(11, 7, "socket:[500]").Fd(11, 8, "socket:[junk]");
        var problems = new List<(int, string)>();
        var owners = SocketOwners.FromProcesses(proc.Root, [11, 10, 10, 12], (pid, why) => problems.Add((pid, why)));

        Assert.Equal([500UL, 502UL], owners.Keys.Order());
        Assert.Equal([new SocketOwner(10, 3, "nc"), new SocketOwner(11, 7, @"evil\x1B[2J")], owners[500]);
        Assert.Equal([new SocketOwner(10, 5, "nc")], owners[502]);
        Assert.Equal(12, Assert.Single(problems).Item1);
    }

    [Theory]
    [InlineData("socket:[12345]", true, 12345UL)]
    [InlineData("socket:[]", false, 0UL)]
    [InlineData("socket:[-1]", false, 0UL)]
    [InlineData("socket:[1", false, 0UL)]
    [InlineData("anon_inode:[eventpoll]", false, 0UL)]
    [InlineData(null, false, 0UL)]
    public void Socket_links(string? target, bool ok, ulong inode)
    {
        Assert.Equal(ok, SocketOwners.TryParseSocketLink(target, out ulong found));
        Assert.Equal(inode, found);
    }

    [Fact]
    public void Finds_a_socket_of_this_very_process()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        int fd = (int)socket.Handle;
        string link = new FileInfo($"/proc/self/fd/{fd}").LinkTarget!;
        Assert.True(SocketOwners.TryParseSocketLink(link, out ulong inode));

        var owners = SocketOwners.FromProcesses([Environment.ProcessId]);
        var owner = Assert.Single(owners[inode]);
        Assert.Equal((Environment.ProcessId, fd), (owner.Pid, owner.Fd));
        Assert.False(string.IsNullOrEmpty(owner.Command));
    }
}
