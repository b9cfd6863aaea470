using System.CommandLine;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Report;
using ContainerForensics.Report.Findings;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir report ARCHIVE</c>: verify the archive, then write a triage report (HTML, Markdown or JSON) with the findings.</summary>
internal static class ReportCommand
{
    internal sealed record Settings(string Archive, string Format, string? Output, string? Rules, string? PasswordFile);

    public static Command Create(CliEnvironment env)
    {
        var archive = new Argument<string>("ARCHIVE") { Description = "The archive (a file) to report on." };
        var format = new Option<string>("--format", "-f")
        {
            Description = "html (one self-contained file), md (Markdown) or json (findings and containers).",
            DefaultValueFactory = _ => "html",
            HelpName = "html|md|json",
        };
        format.AcceptOnlyFromAmong("html", "md", "json");
        var output = new Option<string?>("--output", "-o") { Description = "Write here (default: next to the archive, ARCHIVE.report.<format>; never over an existing file; - for stdout).", HelpName = "FILE" };
        var rules = new Option<string?>("--rules") { Description = "A rules file (YAML, the format of the built-in Findings/rules.yaml) instead of the built-in rules.", HelpName = "FILE" };
        var passwordFile = new Option<string?>("--password-file") { Description = "For an AES-encrypted zip: the password, from the file's first line.", HelpName = "PATH" };
        var command = new Command("report", "Verify an archive, then write a triage report: acquisition, findings, and per container its privileges, processes, sockets and notable file changes. A failed verification is shown at the top.");
        command.Arguments.Add(archive);
        command.Options.Add(format);
        command.Options.Add(output);
        command.Options.Add(rules);
        command.Options.Add(passwordFile);
        command.SetAction(parse => Run(new Settings(parse.GetValue(archive)!, parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(rules), parse.GetValue(passwordFile)), env));
        return command;
    }

    public static int Run(Settings s, CliEnvironment env)
    {
        string path = Path.GetFullPath(s.Archive, env.WorkingDirectory);
        if (Directory.Exists(path) || !File.Exists(path))
        {
            throw new CfirException(ExitCode.VerificationFailed, $"{path} is not an archive file");
        }
        string? password = s.PasswordFile is null ? null : PasswordFile.Read(s.PasswordFile);
        RuleSet ruleSet;
        try
        {
            ruleSet = s.Rules is null ? RuleSet.BuiltIn() : RuleSet.Parse(File.ReadAllText(Path.GetFullPath(s.Rules, env.WorkingDirectory)), s.Rules);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"rules: {ex.Message}");
        }
        ContainerForensics.Report.Html.ReportDocument built;
        try
        {
            built = ReportRunner.Build(path, ruleSet, ToolVersion.Describe(), password);
        }
        // A damaged archive throws whatever its decoder throws on bad data (EvidenceArchiveReader's remarks).
        catch (Exception ex) when (ex is not CfirException and not OutOfMemoryException)
        {
            throw new CfirException(ExitCode.VerificationFailed, $"{path}: the archive cannot be read to its end: {ex.Message}");
        }
        string target = s.Output ?? path + ".report." + s.Format;
        using (var output = Open(target, env))
        {
            ReportRunner.Write(output, built, s.Format);
        }
        var counts = built.Triage.Findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
        env.Stderr.WriteLine(ConsoleProgress.Sanitize($"cfir: report: {(built.Verification.Ok ? "archive verified" : "ARCHIVE DID NOT VERIFY")}; {built.Triage.Findings.Count} finding(s) ({string.Join(", ", counts)}); written to {(target == "-" ? "stdout" : Path.GetFullPath(target, env.WorkingDirectory))}"));
        return built.Verification.Ok ? (int)ExitCode.Complete : (int)ExitCode.VerificationFailed;
    }

    private static Stream Open(string output, CliEnvironment env)
    {
        if (output == "-")
        {
            return env.OpenStdout();
        }
        string full = Path.GetFullPath(output, env.WorkingDirectory);
        try
        {
            return new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (IOException ex)
        {
            throw new CfirException(ExitCode.OutputError, $"{full}: {ex.Message} (cfir never overwrites a file)");
        }
    }
}
