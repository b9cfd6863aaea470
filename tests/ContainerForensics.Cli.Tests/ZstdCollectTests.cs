using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContainerForensics.Cli.Commands;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Evidence;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>-f tar.zst</c>: a real collection read the way a receiver reads it, with GNU tar, zstd and
/// sha256sum, and with cfir verify, which fails a changed or cut archive and says why.
/// </summary>
public sealed partial class ZstdCollectTests
{
    [EngineFact(Engine.Docker)]
    public async Task Collect_TarZst_GnuTarAndZstdReadIt_EveryFileMatchesTheManifest_VerifyFailsChangedAndCutCopies()
    {
        await using var container = await PlantedContainer.DockerAsync(label: $"cfir.test={Guid.NewGuid()}");
        using var dir = new TempDirectory();
        string archive = dir["a.tar.zst"];

        var result = await CfirProcess.RunAsync(
            ["collect", container.Name, .. CfirProcess.DockerFlags, "--filesystem", "full", "-f", "tar.zst", "--zstd-level", "3", "-o", archive], environment: null);

        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        var zstdTest = await ProcessRunner.RunAsync("zstd", ["-q", "-t", archive]);
        Assert.True(zstdTest.ExitCode == 0, $"zstd -t: {zstdTest.Describe()}");
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        Assert.Contains("cfir: tar.zst, ", verify.Stderr, StringComparison.Ordinal);

        // GNU tar extracts it; SHA256SUMS holds, and every file's bytes are what its manifest line says.
        string extracted = dir["x"];
        Directory.CreateDirectory(extracted);
        var tar = await ProcessRunner.RunAsync("tar", ["-C", extracted, "--zstd", "-xf", archive]);
        Assert.True(tar.ExitCode == 0, $"tar --zstd -xf: {tar.Describe()}");
        var sums = await ProcessRunner.RunAsync("sha256sum", ["-c", "--strict", "--quiet", "SHA256SUMS"], workingDirectory: extracted);
        Assert.True(sums.ExitCode == 0, sums.Describe());
        var checkedPaths = new List<string>();
        foreach (string line in File.ReadLines(Path.Combine(extracted, "manifest/manifest.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (e.GetProperty("kind").GetString() != "file" || !e.GetProperty("member").GetBoolean() || !e.TryGetProperty("sha256", out var sha))
            {
                continue;
            }
            string path = e.GetProperty("path").GetString()!;
            await using var stream = File.OpenRead(Path.Combine(extracted, path));
            Assert.True(Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)) == sha.GetString(), $"{path}: extracted bytes differ from the manifest's sha256");
            checkedPaths.Add(path);
        }
        string busybox = $"containers/docker/-/{container.Name}_{container.Id[..12]}/filesystem/full/bin/busybox";
        Assert.Contains(busybox, checkedPaths); // the full root's files, not only cfir's own records
        Assert.True(checkedPaths.Count > 20, $"only {checkedPaths.Count} files checked");
        using (var acquisition = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(extracted, "acquisition/acquisition.json"))))
        {
            var recorded = acquisition.RootElement.GetProperty("archive");
            Assert.Equal("tar.zst", recorded.GetProperty("format").GetString());
            Assert.Equal(3, recorded.GetProperty("compressionLevel").GetInt32());
        }

        // A changed byte inside the frame's checksum, and a copy cut short: both fail, each saying why.
        var bytes = await File.ReadAllBytesAsync(archive);
        string changed = dir["changed.tar.zst"];
        bytes[^2] ^= 0x10;
        await File.WriteAllBytesAsync(changed, bytes);
        bytes[^2] ^= 0x10;
        string cut = dir["cut.tar.zst"];
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 2 / 3)]);

        var changedVerify = await CfirProcess.RunAsync("verify", changed);
        Assert.True(changedVerify.ExitCode == (int)ExitCode.VerificationFailed, changedVerify.Describe());
        Assert.Contains("the zstd stream is damaged", changedVerify.Stderr, StringComparison.Ordinal);
        Assert.Contains("checksum", changedVerify.Stderr, StringComparison.Ordinal);
        var cutVerify = await CfirProcess.RunAsync("verify", cut);
        Assert.True(cutVerify.ExitCode == (int)ExitCode.VerificationFailed, cutVerify.Describe());
        Assert.Contains("the zstd stream ends inside its frame", cutVerify.Stderr, StringComparison.Ordinal);
        Assert.Contains("the archive is cut off", cutVerify.Stderr, StringComparison.Ordinal);

        // A machine without libzstd cannot read the archive: it says so, and never calls the
        // intact archive corrupt nor prints a hash of the bytes it happened to read.
        var noLibzstd = await CfirProcess.RunAsync(["verify", archive], environment: null, wrapper: WithoutLibzstd);
        Assert.True(noLibzstd.ExitCode == (int)ExitCode.VerificationFailed, noLibzstd.Describe());
        Assert.Contains("a tar.zst archive, and libzstd cannot be loaded", noLibzstd.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was read or checked", noLibzstd.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("corrupt", noLibzstd.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("archive sha256", noLibzstd.Stderr, StringComparison.Ordinal);
    }

    /// <summary>unshare(1) with a private mount namespace in which every libzstd.so.1 is /dev/null: the library cannot be loaded.</summary>
    private static readonly string[] WithoutLibzstd =
    [
        "unshare", "--mount", "--propagation", "private", "sh", "-c",
        "n=0; for f in /usr/lib/*/libzstd.so.1* /lib/*/libzstd.so.1*; do if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then mount --bind /dev/null \"$f\" || exit 97; n=$((n+1)); fi; done; [ $n -gt 0 ] || exit 98; exec \"$@\"",
        "sh",
    ];

    [EngineFact(Engine.Docker)]
    public async Task CollectToStdout_TarZst_StdoutIsTheFrameWhoseHashIsOnStderr_AndVerifiesFromStdin()
    {
        string label = $"cfir.test={Guid.NewGuid()}";
        await using var container = await PlantedContainer.DockerAsync(label);

        var result = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, "--label", label, "-f", "tar.zst", "-o", "-"], environment: null);

        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        Assert.Equal([0x28, 0xB5, 0x2F, 0xFD], result.Stdout[..4]); // a zstd frame from the first byte
        var hashLine = Assert.Single(HashLine().Matches(result.Stderr));
        Assert.Equal(ArchiveTools.Sha256Hex(result.Stdout), hashLine.Groups["hex"].Value);
        var fromStdin = await CfirProcess.RunAsync(["verify", "-"], environment: null, stdin: result.Stdout);
        Assert.True(fromStdin.ExitCode == 0, fromStdin.Describe());
        Assert.Contains($"archive sha256 {hashLine.Groups["hex"].Value} ({result.Stdout.Length} bytes)", fromStdin.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_name_ends_in_tar_zst() =>
        Assert.EndsWith(".tar.zst", CollectCommand.DefaultName("web-1", DateTimeOffset.UnixEpoch, ArchiveFormat.TarZst), StringComparison.Ordinal);

    [GeneratedRegex(@"(?m)^cfir: archive sha256 (?<hex>[0-9a-f]{64})  -$")]
    private static partial Regex HashLine();
}
