using System.CommandLine;
using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Verify;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir verify ARCHIVE|-</c>: re-hash everything and check it against manifest, SHA256SUMS and seal.</summary>
internal static class VerifyCommand
{
    internal sealed record Settings(string Archive, bool Json, bool Quiet, string? PasswordFile = null);

    public static Command Create(CliEnvironment env, Func<Stream> openStdin)
    {
        var archive = new Argument<string>("ARCHIVE") { Description = "The archive to verify, or - to read it from stdin." };
        // An unknown option would otherwise arrive here as the archive's name ("cannot read --bogus", exit 5).
        archive.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-') && t.Value != "-"))
            {
                result.AddError($"Unrecognized option '{token.Value}' (an archive named so must be given as ./{token.Value})");
            }
        });
        var json = new Option<bool>("--json") { Description = "Write the verification report as JSON to stdout." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only the verdict line on stderr." };
        var passwordFile = new Option<string?>("--password-file")
        {
            Description = "For an AES-encrypted zip (a file, not stdin): the password, from the file's first line.",
            HelpName = "PATH",
        };
        var command = new Command("verify", "Verify an archive: every entry against the manifest, SHA256SUMS and the seal. Exit 0 only when intact.");
        command.Arguments.Add(archive);
        command.Options.Add(json);
        command.Options.Add(quiet);
        command.Options.Add(passwordFile);
        command.SetAction(parse => Run(new Settings(parse.GetValue(archive)!, parse.GetValue(json), parse.GetValue(quiet), parse.GetValue(passwordFile)), env, openStdin));
        return command;
    }

    public static int Run(Settings s, CliEnvironment env, Func<Stream> openStdin)
    {
        VerificationReport report;
        try
        {
            string? password = s.PasswordFile is null ? null : PasswordFile.Read(s.PasswordFile);
            if (password is not null && s.Archive == "-")
            {
                throw new CfirException(ExitCode.UsageError, "an encrypted zip is verified from a file, not from stdin (zip decryption needs the central directory)");
            }
            if (s.Archive != "-" && Directory.Exists(s.Archive))
            {
                // Opening a directory fails with EISDIR, which .NET reports as "Access to the path is denied".
                throw new CfirException(ExitCode.VerificationFailed, $"{s.Archive} is a directory, not an archive");
            }
            using var input = s.Archive == "-" ? openStdin() : new FileStream(s.Archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            report = ArchiveVerifier.Verify(input, password);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.VerificationFailed, $"cannot read {s.Archive}: {ex.Message}");
        }

        var w = env.Stderr;
        if (!s.Quiet)
        {
            foreach (var p in report.Problems)
            {
                w.WriteLine(ConsoleProgress.Sanitize($"cfir: {p}"));
            }
            foreach (var t in report.Truncated)
            {
                w.WriteLine(ConsoleProgress.Sanitize($"cfir: note: {t} was truncated at collection (--max-file-size)"));
            }
            w.WriteLine($"cfir: {report.Format}, {report.Members} members, {report.ManifestEntries} manifest entries, {report.ErrorRecords} recorded errors; collection {(report.CollectionComplete switch { true => "complete", false => "partial", null => "unknown" })}");
            w.WriteLine($"cfir: archive sha256 {report.ArchiveSha256} ({report.ArchiveBytes} bytes)");
        }
        w.WriteLine(report.Ok ? "cfir: verify: OK" : $"cfir: verify: FAILED ({report.Problems.Count} problem(s))");
        if (s.Json)
        {
            var doc = new Dictionary<string, object?>
            {
                ["ok"] = report.Ok,
                ["format"] = report.Format,
                ["archiveSha256"] = report.ArchiveSha256,
                ["archiveBytes"] = report.ArchiveBytes,
                ["members"] = report.Members,
                ["manifestEntries"] = report.ManifestEntries,
                ["errorRecords"] = report.ErrorRecords,
                ["collectionComplete"] = report.CollectionComplete,
                ["sealComplete"] = report.SealComplete,
                ["sealEndedAt"] = report.SealEndedAt,
                ["statusCounts"] = report.StatusCounts,
                ["truncated"] = report.Truncated,
                ["problems"] = report.Problems.Select(p => new Dictionary<string, string?> { ["kind"] = p.Kind, ["path"] = p.Path, ["detail"] = p.Detail }).ToList(),
            };
            using var stdout = env.OpenStdout();
            JsonSerializer.Serialize(stdout, doc, JsonOutput.Options);
            stdout.Write("\n"u8);
        }
        return report.Ok ? (int)ExitCode.Complete : (int)ExitCode.VerificationFailed;
    }
}
