using System.Security.Cryptography;
using System.Text.Json;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// What a receiver does with an archive using plain tools, not cfir: GNU tar to list, read and
/// extract it, sha256sum to check SHA256SUMS, and a sha256 of the bytes as they arrived.
/// </summary>
internal static class ArchiveTools
{
    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256Hex(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The member names, as GNU tar lists them (gzip detected by tar itself).</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string archive)
    {
        string listing = await ProcessRunner.CheckedAsync("tar", "-tf", archive);
        return listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>One member's bytes: <c>tar -xOf ARCHIVE MEMBER</c>.</summary>
    public static async Task<byte[]> ReadMemberAsync(string archive, string member)
    {
        var result = await ProcessRunner.RunAsync("tar", ["-xOf", archive, member]);
        Assert.True(result.ExitCode == 0, $"tar -xOf {archive} {member}: {result.Describe()}");
        return result.Stdout;
    }

    public static async Task<JsonElement> ReadJsonMemberAsync(string archive, string member)
    {
        using var doc = JsonDocument.Parse(await ReadMemberAsync(archive, member));
        return doc.RootElement.Clone();
    }

    /// <summary>Extracts with GNU tar into <paramref name="directory"/> and checks SHA256SUMS there with <c>sha256sum -c --strict</c>.</summary>
    public static async Task ExtractAndCheckSumsAsync(string archive, string directory, bool gzip)
    {
        Directory.CreateDirectory(directory);
        var tar = await ProcessRunner.RunAsync("tar", ["-C", directory, gzip ? "-xzf" : "-xf", archive]);
        Assert.True(tar.ExitCode == 0, $"GNU tar could not extract {archive}: {tar.Describe()}");
        var sums = await ProcessRunner.RunAsync("sha256sum", ["-c", "--strict", "SHA256SUMS"], workingDirectory: directory);
        Assert.True(sums.ExitCode == 0, $"sha256sum -c --strict SHA256SUMS failed: {sums.Describe()}");
        Assert.DoesNotContain("FAILED", sums.StdoutText, StringComparison.Ordinal);
    }

    /// <summary>The lines of a JSON-lines member (manifest, errors), parsed.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ReadJsonLinesAsync(string archive, string member)
    {
        string text = System.Text.Encoding.UTF8.GetString(await ReadMemberAsync(archive, member));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.Clone();
        }).ToList();
    }
}
