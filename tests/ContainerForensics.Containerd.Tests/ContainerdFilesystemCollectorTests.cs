namespace ContainerForensics.Containerd.Tests;

public sealed class ContainerdFilesystemCollectorTests
{
    [Fact]
    public void FindMountPoint_MatchesTheTaskRootfsAndDecodesOctalEscapes()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file,
            [
                @"36 25 0:31 / /run/containerd/io.containerd.runtime.v2.task/default/abc/rootfs rw,relatime - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c",
                @"37 25 0:32 / /run/my\040state/io.containerd.runtime.v2.task/k8s.io/xyz/rootfs rw,relatime - overlay overlay rw",
                @"38 25 0:33 / /run/containerd/io.containerd.runtime.v2.task/default/abcd/rootfs rw,relatime - overlay overlay rw",
            ]);

            Assert.Equal("/run/containerd/io.containerd.runtime.v2.task/default/abc/rootfs",
                ContainerdFilesystemCollector.FindMountPoint("/io.containerd.runtime.v2.task/default/abc/rootfs", file));
            Assert.Equal("/run/my state/io.containerd.runtime.v2.task/k8s.io/xyz/rootfs",
                ContainerdFilesystemCollector.FindMountPoint("/io.containerd.runtime.v2.task/k8s.io/xyz/rootfs", file));
            Assert.Null(ContainerdFilesystemCollector.FindMountPoint("/io.containerd.runtime.v2.task/default/bc/rootfs", file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
