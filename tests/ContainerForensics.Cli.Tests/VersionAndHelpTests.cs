using System.Text.RegularExpressions;
using ContainerForensics.Cli.Tests.Support;

namespace ContainerForensics.Cli.Tests;

/// <summary>What a responder sees first: the version line, the help, and that the help and docs/usage.md say the same.</summary>
public sealed partial class VersionAndHelpTests
{
    [Fact]
    public async Task Version_PrintsVersionAndCommitOnStdout()
    {
        var result = await CfirProcess.RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Matches(VersionLine(), result.StdoutText);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Help_ListsCollectListAndVerify()
    {
        var result = await CfirProcess.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.Describe());
        string commands = result.StdoutText[result.StdoutText.IndexOf("Commands:", StringComparison.Ordinal)..];
        foreach (var command in OptionTokens.Commands)
        {
            Assert.Matches(new Regex($@"(?m)^\s+{command}\b"), commands);
        }
    }

    /// <summary>
    /// Every long option <c>cfir COMMAND --help</c> prints is documented for that command in
    /// docs/usage.md, and every option docs/usage.md gives that command exists: docs and help
    /// cannot drift apart. (<c>--help</c> itself need not be documented per command.)
    /// </summary>
    [Theory]
    [InlineData("collect")]
    [InlineData("watch")]
    [InlineData("list")]
    [InlineData("verify")]
    [InlineData("report")]
    public async Task HelpOptions_AgreeWithDocsUsage(string command)
    {
        string usagePath = RepoFiles.Path("docs/usage.md");
        Assert.True(File.Exists(usagePath), $"{usagePath} does not exist: the options of cfir {command} --help must be documented there");
        var documented = OptionTokens.FromUsageDoc(await File.ReadAllTextAsync(usagePath));
        var helps = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var c in OptionTokens.Commands)
        {
            var result = await CfirProcess.RunAsync(c, "--help");
            Assert.True(result.ExitCode == 0, result.Describe());
            helps[c] = OptionTokens.FromHelp(result.StdoutText);
        }
        var root = await CfirProcess.RunAsync("--help");
        var rootOptions = OptionTokens.FromHelp(root.StdoutText);
        Assert.NotEmpty(helps[command]);

        var forCommand = documented.GetValueOrDefault(command, []);
        var undocumented = helps[command].Where(o => o != "--help" && !forCommand.Contains(o)).ToList();
        Assert.True(undocumented.Count == 0, $"cfir {command} --help has options docs/usage.md does not document for {command}: {string.Join(", ", undocumented)}");
        var unknown = forCommand.Where(o => !helps[command].Contains(o)).ToList();
        Assert.True(unknown.Count == 0, $"docs/usage.md documents options cfir {command} --help does not have: {string.Join(", ", unknown)}");
        // Options docs/usage.md gives cfir itself (cfir --version) exist on the root command.
        var unknownRoot = documented.GetValueOrDefault("", []).Where(o => !rootOptions.Contains(o)).ToList();
        Assert.True(unknownRoot.Count == 0, $"docs/usage.md gives cfir options its --help does not have: {string.Join(", ", unknownRoot)}");
    }

    [GeneratedRegex(@"\Acfir \d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)? \(commit (?:[0-9a-f]{7,40}|unknown)\)\n\z")]
    private static partial Regex VersionLine();
}
