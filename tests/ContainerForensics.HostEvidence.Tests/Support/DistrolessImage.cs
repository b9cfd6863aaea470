using System.Formats.Tar;

namespace ContainerForensics.HostEvidence.Tests.Support;

/// <summary>
/// A distroless-like image: one static binary and nothing else (no shell, no /etc, no libc), as
/// many production images are. Built from the host's busybox-static with <c>docker import</c>;
/// idempotent. The binary is named "busybox" because a busybox binary picks its applet from its
/// own name and runs argv[1] only when that name starts with "busybox".
/// </summary>
public static class DistrolessImage
{
    public const string Reference = "cfir-test/distroless:latest";

    public const string Binary = "/busybox";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The host's static busybox (busybox-static installs it in /bin, usrmerge in /usr/bin).</summary>
    public static string HostBusybox => new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("busybox-static is not installed on the host: run scripts/rig/up.sh");

    public static async Task<string> EnsureAsync(DockerCli docker)
    {
        await Gate.WaitAsync();
        try
        {
            if (!docker.HasImage(Reference))
            {
                using var tar = new MemoryStream();
                using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, Binary.TrimStart('/'))
                    {
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                               UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                        DataStream = new MemoryStream(await File.ReadAllBytesAsync(HostBusybox)),
                    };
                    writer.WriteEntry(entry);
                }
                docker.Run(["import", "--change", $"ENTRYPOINT [\"{Binary}\"]", "-", Reference], tar.ToArray());
            }
            return Reference;
        }
        finally
        {
            Gate.Release();
        }
    }
}
