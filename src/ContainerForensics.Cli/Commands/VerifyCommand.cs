using System.CommandLine;
using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using System.Text;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.Sealing;
using ContainerForensics.Sealing.Age;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir verify ARCHIVE|-</c>: re-hash everything and check it against manifest, SHA256SUMS and seal.</summary>
internal static class VerifyCommand
{
    internal sealed record Settings(string Archive, bool Json, bool Quiet, string? PasswordFile = null)
    {
        public IReadOnlyList<string> Identities { get; init; } = [];

        public string? IdentityPassphraseFile { get; init; }

        public string? AllowedSigners { get; init; }
    }

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
        var identity = new Option<string[]>("--identity", "-i")
        {
            Description = "For an age-encrypted archive (.age): an age identity file or the SSH private key of a recipient. Decrypts while verifying; no plaintext is written. Repeatable.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "KEY",
        };
        var identityPassphraseFile = new Option<string?>("--identity-passphrase-file")
        {
            Description = "The passphrase of a protected SSH --identity, from the file's first line.",
            HelpName = "PATH",
        };
        var allowedSigners = new Option<string?>("--allowed-signers")
        {
            Description = "An ssh-keygen allowed-signers file: SEAL.sig must be present and by one of them (namespace cfir). Prints who signed.",
            HelpName = "FILE",
        };
        var command = new Command("verify", "Verify an archive: every entry against the manifest, SHA256SUMS and the seal, and the seal's signature. Exit 0 only when intact.");
        command.Arguments.Add(archive);
        foreach (Option o in (Option[])[json, quiet, passwordFile, identity, identityPassphraseFile, allowedSigners])
        {
            command.Options.Add(o);
        }
        command.SetAction(parse => Run(new Settings(parse.GetValue(archive)!, parse.GetValue(json), parse.GetValue(quiet), parse.GetValue(passwordFile))
        {
            Identities = parse.GetValue(identity) ?? [],
            IdentityPassphraseFile = parse.GetValue(identityPassphraseFile),
            AllowedSigners = parse.GetValue(allowedSigners),
        }, env, openStdin));
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
            var options = new SealedVerifyOptions
            {
                ZipPassword = password,
                Identities = LoadIdentities(s),
                AllowedSigners = LoadAllowedSigners(s.AllowedSigners),
            };
            using var input = s.Archive == "-" ? openStdin() : new FileStream(s.Archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            report = SealedArchiveVerifier.Verify(input, options);
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
            if (report.Encryption is { } encryption)
            {
                w.WriteLine(ConsoleProgress.Sanitize($"cfir: encrypted: {encryption}"));
            }
            if (report.Signature is { } signer)
            {
                w.WriteLine(ConsoleProgress.Sanitize($"cfir: seal signed by {signer}"));
            }
            else if (report.SealComplete is not null)
            {
                w.WriteLine("cfir: seal not signed");
            }
            w.WriteLine($"cfir: archive sha256 {report.ArchiveSha256} ({report.ArchiveBytes} bytes)");
            if (report.InnerSha256 is { } inner)
            {
                w.WriteLine($"cfir: decrypted archive sha256 {inner} ({report.InnerBytes} bytes)");
            }
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
                ["signedBy"] = report.Signature,
                ["encryption"] = report.Encryption,
                ["decryptedSha256"] = report.InnerSha256,
                ["decryptedBytes"] = report.InnerSha256 is null ? null : report.InnerBytes,
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

    /// <summary>Each --identity file: age identities or an SSH private key (its passphrase asked only when it is protected).</summary>
    private static IReadOnlyList<IAgeIdentity> LoadIdentities(Settings s)
    {
        if (s.IdentityPassphraseFile is not null && s.Identities.Count == 0)
        {
            throw new CfirException(ExitCode.UsageError, "--identity-passphrase-file needs --identity");
        }
        var identities = new List<IAgeIdentity>();
        foreach (string path in s.Identities)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CfirException(ExitCode.UsageError, $"--identity: {ex.Message}");
            }
            try
            {
                identities.AddRange(AgeKeys.ParseIdentities(text, path, () => s.IdentityPassphraseFile is null
                    ? throw new SshPassphraseException($"{path} is protected by a passphrase: give it with --identity-passphrase-file")
                    : Encoding.UTF8.GetBytes(PasswordFile.Read(s.IdentityPassphraseFile, "--identity-passphrase-file"))));
            }
            catch (Exception ex) when (ex is AgeException or SshFormatException)
            {
                throw new CfirException(ExitCode.UsageError, $"--identity: {ex.Message}");
            }
        }
        return identities;
    }

    private static AllowedSigners? LoadAllowedSigners(string? path)
    {
        if (path is null)
        {
            return null;
        }
        try
        {
            return AllowedSigners.Load(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshFormatException)
        {
            throw new CfirException(ExitCode.UsageError, $"--allowed-signers: {ex.Message}");
        }
    }
}
