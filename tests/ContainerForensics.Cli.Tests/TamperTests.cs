using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>An archive changed after it was sealed: cfir verify must notice and say where.</summary>
public sealed class TamperTests
{
    [EngineFact(Engine.Docker)]
    public async Task Verify_OneByteFlippedInAMember_ExitsFiveAndNamesTheMember()
    {
        using var dir = new TempDirectory();
        string archive = dir["t.tar"];
        // Nothing matches the label: the archive holds the engine's own evidence only, which is enough to tamper with.
        var collect = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, "--label", $"cfir.test={Guid.NewGuid()}", "-o", archive, "-f", "tar", "-q"], environment: null);
        // Complete, or partial when another test's engine call collided with ours: either way a sealed archive to tamper with.
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
        const string member = "runtimes/docker/metadata/info.json";
        byte[] content = await ArchiveTools.ReadMemberAsync(archive, member);
        Assert.True(content.Length >= 64, $"{member} is only {content.Length} bytes");

        // Find the member's content in the tar (uncompressed: it is there verbatim) and flip one byte in its middle.
        byte[] bytes = await File.ReadAllBytesAsync(archive);
        int start = bytes.AsSpan().IndexOf(content);
        Assert.True(start > 0, $"{member}'s content not found verbatim in the tar");
        Assert.True(bytes.AsSpan(start + 1).IndexOf(content) < 0, $"{member}'s content occurs twice in the tar");
        int target = start + content.Length / 2;
        bytes[target] = (byte)(bytes[target] ^ 0x20); // e.g. 'a' <-> 'A': the tar stays a valid tar
        await File.WriteAllBytesAsync(archive, bytes);
        Assert.NotEqual(content, await ArchiveTools.ReadMemberAsync(archive, member)); // tar still reads it, changed

        var verify = await CfirProcess.RunAsync("verify", archive);

        Assert.True(verify.ExitCode == (int)ExitCode.VerificationFailed, verify.Describe());
        Assert.Contains("cfir: verify: FAILED", verify.Stderr, StringComparison.Ordinal);
        Assert.Contains(verify.Stderr.Split('\n'), l => l.Contains(member, StringComparison.Ordinal));
        Assert.Empty(verify.Stdout);

        var json = await CfirProcess.RunAsync("verify", "--json", "-q", archive);
        Assert.True(json.ExitCode == (int)ExitCode.VerificationFailed, json.Describe());
        using var report = System.Text.Json.JsonDocument.Parse(json.Stdout);
        Assert.False(report.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(report.RootElement.GetProperty("problems").EnumerateArray(), p => p.GetProperty("path").GetString() == member);
    }
}
