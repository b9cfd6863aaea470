using System.Text.RegularExpressions;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary><c>cfir collect -o -</c>: the archive is stdout, byte for byte, and its hash goes to stderr for the receiver.</summary>
public sealed partial class StreamingTests
{
    [EngineFact(Engine.Docker)]
    public async Task CollectToStdout_StdoutIsExactlyTheArchiveWhoseHashIsOnStderr()
    {
        string label = $"cfir.test={Guid.NewGuid()}";
        await using var container = await PlantedContainer.DockerAsync(label);
        using var dir = new TempDirectory();

        var result = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, "--label", label, "-o", "-"], environment: null);

        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        Assert.NotEmpty(result.Stdout);
        Assert.Equal([0x1f, 0x8b], result.Stdout[..2]); // tar.gz by default: a gzip stream from the first byte
        // The hash the receiver compares with: of exactly the bytes that came out on stdout, so
        // nothing but the archive can have been written there.
        var hashLine = Assert.Single(HashLine().Matches(result.Stderr));
        Assert.Equal(ArchiveTools.Sha256Hex(result.Stdout), hashLine.Groups["hex"].Value);

        var fromStdin = await CfirProcess.RunAsync(["verify", "-"], environment: null, stdin: result.Stdout);
        Assert.True(fromStdin.ExitCode == 0, fromStdin.Describe());
        Assert.Contains($"archive sha256 {hashLine.Groups["hex"].Value} ({result.Stdout.Length} bytes)", fromStdin.Stderr, StringComparison.Ordinal);

        string file = dir["streamed.tar.gz"];
        await File.WriteAllBytesAsync(file, result.Stdout);
        var fromFile = await CfirProcess.RunAsync("verify", file);
        Assert.True(fromFile.ExitCode == 0, fromFile.Describe());
        Assert.Contains($"containers/docker/-/{container.Name}_{container.Id[..12]}/metadata/inspect.json", await ArchiveTools.ListAsync(file));
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(file, "acquisition/acquisition.json");
        Assert.Equal("stdout", acquisition.GetProperty("output").GetString());
    }

    [GeneratedRegex(@"(?m)^cfir: archive sha256 (?<hex>[0-9a-f]{64})  -$")]
    private static partial Regex HashLine();
}
