using ContainerForensics.Sealing.Ssh;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// Recipients and identities as the age command takes them: <c>age1...</c> keys, SSH public keys
/// (<c>ssh-ed25519</c>, <c>ssh-rsa</c>), <c>@FILE</c> with one recipient per line (age -R), and
/// identity files (age -i): <c>AGE-SECRET-KEY-1...</c> lines or an SSH private key.
/// </summary>
public static class AgeKeys
{
    /// <summary>Each of <paramref name="specs"/> is a recipient or <c>@FILE</c>; <paramref name="readFile"/> reads a named file.</summary>
    public static IReadOnlyList<IAgeRecipient> ParseRecipients(IEnumerable<string> specs, Func<string, string> readFile)
    {
        var recipients = new List<IAgeRecipient>();
        foreach (string spec in specs)
        {
            if (spec.StartsWith('@'))
            {
                string path = spec[1..];
                int number = 0;
                foreach (string raw in readFile(path).Split('\n'))
                {
                    number++;
                    string line = raw.TrimEnd('\r').Trim();
                    if (line.Length == 0 || line.StartsWith('#'))
                    {
                        continue;
                    }
                    try
                    {
                        recipients.Add(ParseRecipient(line));
                    }
                    catch (AgeException ex)
                    {
                        throw new AgeException(ex.Failure, $"{path}:{number}: {ex.Message}");
                    }
                }
                continue;
            }
            recipients.Add(ParseRecipient(spec.Trim()));
        }
        return recipients;
    }

    public static IAgeRecipient ParseRecipient(string text)
    {
        if (text.StartsWith("age1", StringComparison.Ordinal))
        {
            if (X25519Recipient.TryParse(text, out var x25519))
            {
                return x25519!;
            }
            throw Bech32.TryDecode(text, out string hrp, out _) && hrp != "age"
                ? new AgeException(AgeFailure.Unsupported, $"the recipient type {hrp} (a plugin or post-quantum key) is not one cfir encrypts to: age1 X25519 keys, ssh-ed25519 and ssh-rsa are")
                : new AgeException(AgeFailure.Header, $"\"{Abbreviate(text)}\" is not a valid age1 recipient (a typo? its checksum does not match)");
        }
        if (text.StartsWith("ssh-", StringComparison.Ordinal) || text.StartsWith("ecdsa-", StringComparison.Ordinal) || text.StartsWith("sk-", StringComparison.Ordinal))
        {
            SshPublicKey key;
            try
            {
                key = SshPublicKey.ParseLine(text);
            }
            catch (SshFormatException ex)
            {
                throw new AgeException(AgeFailure.Header, $"the SSH recipient cannot be read: {ex.Message}");
            }
            return key.Type switch
            {
                SshPublicKey.Ed25519 => new SshEd25519Recipient(key),
                SshPublicKey.Rsa => new SshRsaRecipient(key),
                _ => throw new AgeException(AgeFailure.Unsupported, $"age cannot encrypt to an {key.Type} key: only ssh-ed25519 and ssh-rsa SSH keys are recipients"),
            };
        }
        if (text.StartsWith("AGE-SECRET-KEY-", StringComparison.Ordinal))
        {
            throw new AgeException(AgeFailure.Header, "that is a secret key (an identity), not a recipient: give its public age1... key (age-keygen -y)");
        }
        throw new AgeException(AgeFailure.Header, $"\"{Abbreviate(text)}\" is not a recipient (age1..., ssh-ed25519 ..., ssh-rsa ... or @FILE)");
    }

    /// <summary>
    /// The identities of an identity file: its AGE-SECRET-KEY-1 lines, or the SSH private key it
    /// holds (ssh-ed25519 or ssh-rsa; <paramref name="passphrase"/> is asked only for a protected one).
    /// </summary>
    public static IReadOnlyList<IAgeIdentity> ParseIdentities(string text, string source, Func<byte[]> passphrase)
    {
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            SshPrivateKey key;
            try
            {
                key = OpenSshKeyFile.Parse(text, OpenSshKeyFile.IsProtected(text) ? passphrase() : []);
            }
            catch (SshPassphraseException)
            {
                throw;
            }
            catch (SshFormatException ex)
            {
                throw new AgeException(AgeFailure.Header, $"{source}: {ex.Message}");
            }
            return key.PublicKey.Type switch
            {
                SshPublicKey.Ed25519 => [new SshEd25519Identity(key)],
                SshPublicKey.Rsa => [new SshRsaIdentity(key)],
                _ => throw new AgeException(AgeFailure.Unsupported, $"{source}: an {key.PublicKey.Type} key cannot decrypt age files (ssh-ed25519 and ssh-rsa can)"),
            };
        }
        var identities = new List<IAgeIdentity>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (X25519Identity.TryParse(line, out var identity))
            {
                identities.Add(identity!);
                continue;
            }
            throw line.StartsWith("AGE-PLUGIN-", StringComparison.Ordinal) || line.StartsWith("AGE-SECRET-KEY-PQ-", StringComparison.Ordinal)
                ? new AgeException(AgeFailure.Unsupported, $"{source}:{number}: plugin and post-quantum identities are not supported; decrypt with age -d")
                : new AgeException(AgeFailure.Header, $"{source}:{number}: not an age identity (AGE-SECRET-KEY-1...) nor an SSH private key");
        }
        if (identities.Count == 0)
        {
            throw new AgeException(AgeFailure.Header, $"{source} holds no identity");
        }
        return identities;
    }

    private static string Abbreviate(string text) => text.Length > 24 ? text[..24] + "…" : text;
}
