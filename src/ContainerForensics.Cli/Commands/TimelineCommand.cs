using System.CommandLine;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Report.Timeline;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir timeline ARCHIVE</c>: every point in time an archive holds, as a mactime bodyfile or Timesketch JSONL/CSV.</summary>
internal static class TimelineCommand
{
    internal sealed record Settings(string Archive, string Format, string? Output, string? PasswordFile);

    public static Command Create(CliEnvironment env)
    {
        var archive = new Argument<string>("ARCHIVE") { Description = "The archive (a file) to read." };
        var format = new Option<string>("--format", "-f")
        {
            Description = "bodyfile (The Sleuth Kit's body format 3, for mactime -b), jsonl or csv (Timesketch's import formats).",
            DefaultValueFactory = _ => "jsonl",
            HelpName = "bodyfile|jsonl|csv",
        };
        format.AcceptOnlyFromAmong("bodyfile", "jsonl", "csv");
        var output = new Option<string?>("--output", "-o") { Description = "Write here instead of stdout (never over an existing file).", HelpName = "FILE" };
        var passwordFile = new Option<string?>("--password-file") { Description = "For an AES-encrypted zip: the password, from the file's first line.", HelpName = "PATH" };
        var command = new Command("timeline", "Write the archive's timeline: files' MACB times, container and process starts, engine and Kubernetes events, log lines. Reads the archive only; it does not verify it (cfir verify does).");
        command.Arguments.Add(archive);
        command.Options.Add(format);
        command.Options.Add(output);
        command.Options.Add(passwordFile);
        command.SetAction(parse => Run(new Settings(parse.GetValue(archive)!, parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(passwordFile)), env));
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
        using var output = Open(s.Output, env);
        var reader = new TimelineReader();
        TimelineSummary summary;
        try
        {
            if (s.Format == "bodyfile")
            {
                using var text = new StreamWriter(output, new System.Text.UTF8Encoding(false), 1 << 16);
                var body = new BodyfileWriter(text);
                summary = reader.Read(path, null, body.Write, password);
            }
            else
            {
                using var writer = new TimesketchWriter(output, csv: s.Format == "csv");
                summary = reader.Read(path, writer.Write, null, password);
            }
        }
        catch (OutputWriteException ex)
        {
            throw new CfirException(ExitCode.OutputError, ex.Message);
        }
        // A damaged archive throws whatever its decoder throws on bad data (EvidenceArchiveReader's remarks).
        catch (Exception ex) when (ex is not CfirException and not OutOfMemoryException)
        {
            throw new CfirException(ExitCode.VerificationFailed, $"{path}: the archive cannot be read to its end: {ex.Message}");
        }
        foreach (var p in summary.Problems)
        {
            env.Stderr.WriteLine(ConsoleProgress.Sanitize($"cfir: {p}"));
        }
        if (summary.ProblemCount > summary.Problems.Count)
        {
            env.Stderr.WriteLine($"cfir: ... and {summary.ProblemCount - summary.Problems.Count} more problem(s)");
        }
        string seal = summary.Seal is null ? "no seal: the archive was cut before it was sealed" : summary.Seal.Complete == true ? "sealed complete" : "sealed partial";
        env.Stderr.WriteLine($"cfir: timeline: {summary.Events} {(s.Format == "bodyfile" ? "files" : "events")}; archive {seal}, sha256 {summary.ArchiveSha256} (not verified: run cfir verify)");
        return (int)ExitCode.Complete;
    }

    private static Stream Open(string? output, CliEnvironment env)
    {
        if (output is null or "-")
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
