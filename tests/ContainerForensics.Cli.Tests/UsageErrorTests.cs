using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// Command lines cfir cannot accept: exit 2 (<see cref="ExitCode.UsageError"/>), a message on
/// stderr, nothing on stdout, and nothing written. These are refused before any runtime is
/// asked, so they need no engine.
/// </summary>
public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("'--bogus'", "--bogus")]
    [InlineData("'--bogus'", "collect", "--bogus")]
    [InlineData("'--lable'", "collect", "--lable", "app=web")]
    [InlineData("'--bogus'", "list", "--bogus")]
    [InlineData("'--bogus'", "verify", "--bogus")]
    [InlineData("'nosuch'", "collect", "--runtime", "nosuch")]
    [InlineData("'nosuch'", "list", "--runtime", "nosuch")]
    [InlineData("'banana' is not a size", "collect", "--max-file-size", "banana")]
    [InlineData("--all and --running", "collect", "--all", "--running")]
    [InlineData("'rar'", "collect", "--format", "rar")]
    [InlineData("--password-file needs --format zip", "collect", "--format", "tar", "--password-file", "/nonexistent")]
    [InlineData("--zstd-level needs --format tar.zst", "collect", "--zstd-level", "3")]
    [InlineData("--zstd-level must be between 1 and 19 (got 0)", "collect", "-f", "tar.zst", "--zstd-level", "0")]
    [InlineData("--zstd-level must be between 1 and 19 (got 20)", "collect", "-f", "tar.zst", "--zstd-level", "20")]
    [InlineData("'fast'", "collect", "-f", "tar.zst", "--zstd-level", "fast")]
    [InlineData("'yesterday' is neither a time nor a duration", "collect", "--logs-since", "yesterday")]
    [InlineData("'abc'", "list", "--timeout", "abc")]
    [InlineData("--parallel must be between 1 and 32", "collect", "--parallel", "0")]
    [InlineData("--parallel must be between 1 and 32", "collect", "--parallel", "33")]
    [InlineData("--nested-depth must be between 0 and 5", "collect", "--nested-depth", "6")]
    [InlineData("--nested-depth must be between 0 and 5", "list", "--nested-depth", "-1")]
    [InlineData("verify", "verify")]
    [InlineData("--timeout must be at least 1 second", "collect", "--timeout", "0")]
    [InlineData("--timeout must be at least 1 second", "list", "--timeout", "-1")]
    [InlineData("--json and -o - both want stdout", "collect", "-o", "-", "--json")]
    [InlineData("--spool-dir", "collect", "--spool-dir", "/nonexistent-spool-dir", "-o", "-")]
    [InlineData("--docker-root is a path inside a disk image: give the image with --root DIR too", "collect", "--docker-root", "/var/lib/docker")]
    [InlineData("--docker-root is a path inside a disk image: give the image with --root DIR too", "list", "--runtime", "docker", "--docker-root", "/var/lib/docker")]
    public async Task Refused_ExitsTwoWithAMessageAndWritesNothing(string expectedInMessage, params string[] args)
    {
        using var dir = new TempDirectory();

        var result = await CfirProcess.RunAsync(args, environment: null, workingDirectory: dir.Path);

        Assert.True(result.ExitCode == (int)ExitCode.UsageError, result.Describe());
        Assert.Empty(result.Stdout);
        Assert.StartsWith("cfir: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ContainerForensics", result.Stderr, StringComparison.Ordinal); // a message, not a stack trace
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // no default-named archive appeared
    }

    [Fact]
    public async Task VerifyOfAMissingFile_ExitsFive()
    {
        using var dir = new TempDirectory();

        var result = await CfirProcess.RunAsync("verify", dir["absent.tar.gz"]);

        Assert.True(result.ExitCode == (int)ExitCode.VerificationFailed, result.Describe());
        Assert.Empty(result.Stdout);
        Assert.Contains("absent.tar.gz", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyOfADirectory_ExitsFiveAndSaysItIsADirectory()
    {
        using var dir = new TempDirectory();

        var result = await CfirProcess.RunAsync("verify", dir.Path);

        Assert.True(result.ExitCode == (int)ExitCode.VerificationFailed, result.Describe());
        Assert.Empty(result.Stdout);
        Assert.Contains($"cfir: error: {dir.Path} is a directory, not an archive", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", result.Stderr, StringComparison.Ordinal);
    }
}
