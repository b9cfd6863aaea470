using System.Text;
using ContainerForensics.Core;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// The files a kubeconfig or a service account names: kubeconfigs, CA bundles, client
/// certificates and keys, token files. On a compromised host any of them may be a FIFO (an open
/// that never returns) or a device that never ends, so only regular files are opened, and a
/// kubeconfig is read up to <see cref="MaxKubeconfigBytes"/>. A problem is a one-line
/// <see cref="ExitCode.UsageError"/>: the responder pointed cfir there.
/// </summary>
internal static class LocalFiles
{
    /// <summary>Far above any real kubeconfig (a few KiB per cluster), far below what would hurt.</summary>
    public const int MaxKubeconfigBytes = 16 << 20;

    /// <summary>
    /// A kubeconfig's bytes; null when nothing is at <paramref name="path"/> (a missing file in
    /// $KUBECONFIG is skipped, as kubectl skips it). Anything else that stops the read throws.
    /// </summary>
    public static byte[]? ReadKubeconfig(string path)
    {
        var stat = HostFile.Stat(Encoding.UTF8.GetBytes(path), out int errno);
        if (stat is null)
        {
            if (errno is UnixError.ENOENT or UnixError.ENOTDIR)
            {
                return null;
            }
            throw new CfirException(ExitCode.UsageError, $"kubeconfig {path}: cannot be read: {UnixError.Describe(errno)}");
        }
        RequireRegular(stat, $"kubeconfig {path}");
        if (stat.Size > MaxKubeconfigBytes)
        {
            throw new CfirException(ExitCode.UsageError, $"kubeconfig {path}: {stat.Size} bytes, more than the {MaxKubeconfigBytes} cfir reads");
        }
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[65536];
            int n;
            while ((n = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + n > MaxKubeconfigBytes)
                {
                    throw new CfirException(ExitCode.UsageError, $"kubeconfig {path}: more than the {MaxKubeconfigBytes} bytes cfir reads");
                }
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"kubeconfig {path}: cannot be read: {OneLine.Of(ex)}");
        }
    }

    /// <summary>
    /// Checks that a file the configuration names (a CA bundle, a client key, a token file) is a
    /// regular file cfir may open, before the library opens it at some later, less explicable moment.
    /// <paramref name="what"/> says whose file it is ("kubeconfig user 'u' (/path): client-key").
    /// </summary>
    public static void RequireReadable(string path, string what)
    {
        var stat = HostFile.Stat(Encoding.UTF8.GetBytes(path), out int errno);
        if (stat is null)
        {
            string why = errno == UnixError.ENOENT ? "no such file" : UnixError.Describe(errno);
            throw new CfirException(ExitCode.UsageError, $"{what} {OneLine.Clean(path)}: {why}");
        }
        RequireRegular(stat, $"{what} {OneLine.Clean(path)}");
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"{what} {OneLine.Clean(path)}: cannot be read: {OneLine.Of(ex)}");
        }
    }

    private static void RequireRegular(FileStat stat, string what)
    {
        if (stat.Kind != EntryKind.File)
        {
            throw new CfirException(ExitCode.UsageError, $"{what}: not a regular file ({stat.Kind.ToString().ToLowerInvariant()}); cfir opens nothing else");
        }
    }
}
