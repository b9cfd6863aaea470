using System.Diagnostics;
using System.Security.Cryptography;
using ContainerForensics.Docker.Tests.Engine;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// The independent view the filesystem tests compare with: files copied out by the engine's own
/// CLI (<c>docker cp</c> / <c>podman cp</c>) and hashed here, and <c>export | tar -t | wc -l</c>
/// run by a shell with GNU tar.
/// </summary>
internal sealed class EngineShell(EngineCli cli) : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cfir-fs-test-").FullName;
    private int _copies;

    private string CliPrefix => cli.Engine == TestSupport.Engine.Docker
        ? $"docker --host '{cli.Endpoint}'"
        : $"podman --remote --url '{cli.Endpoint}'";

    /// <summary>sha256 of a file copied out of the container by the engine's CLI (works on stopped containers).</summary>
    public string Sha256Of(string container, string path)
    {
        string dir = NewCopyDirectory();
        cli.Run("cp", $"{container}:{path}", dir);
        string copied = Path.Combine(dir, Path.GetFileName(path));
        using var stream = File.OpenRead(copied);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The first <paramref name="count"/> bytes of a file copied out of the container, hashed.</summary>
    public string Sha256OfHead(string container, string path, int count)
    {
        string dir = NewCopyDirectory();
        cli.Run("cp", $"{container}:{path}", dir);
        var bytes = File.ReadAllBytes(Path.Combine(dir, Path.GetFileName(path)));
        return Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, Math.Min(count, bytes.Length))));
    }

    private string NewCopyDirectory() =>
        Directory.CreateDirectory(Path.Combine(_scratch, "cp-" + Interlocked.Increment(ref _copies).ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;

    /// <summary><c>CLI export NAME | tar -t | wc -l</c>: the members of the engine's own export.</summary>
    public int ExportMemberCount(string container) =>
        int.Parse(Shell($"{CliPrefix} export '{container}' | tar -t | wc -l"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>CLI export NAME | tar -t</c>: the member names of the engine's own export.</summary>
    public IReadOnlyList<string> ExportMemberNames(string container) =>
        Shell($"{CliPrefix} export '{container}' | tar -t").Split('\n');

    private static string Shell(string script)
    {
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("set -o pipefail; " + script);
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("CONTAINER_HOST");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /bin/bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(script);
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited {p.ExitCode}: {stderr.Result.Trim()}");
        }
        return stdout.Result.Trim();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
