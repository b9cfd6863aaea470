using ContainerForensics.Sealing.Ssh;

namespace ContainerForensics.Sealing;

/// <summary>
/// What <c>--sign-key</c> names: a private key file (OpenSSH or PEM; a protected one with its
/// passphrase), <c>agent</c> (ssh-agent's only key) or <c>agent:FINGERPRINT</c> (one of its keys).
/// Opened before the collection starts, so a wrong passphrase or an empty agent stops the run
/// before any evidence is taken rather than leaving it unsigned at the end.
/// </summary>
public static class SigningKey
{
    public const string Agent = "agent";

    /// <summary>Whether the option names ssh-agent (<c>agent</c>, <c>agent:FINGERPRINT</c>) rather than a key file.</summary>
    public static bool IsAgent(string spec) => spec == Agent || spec.StartsWith(Agent + ":", StringComparison.Ordinal);

    /// <param name="spec">The option's value.</param>
    /// <param name="passphrase">Reads the passphrase (<c>--sign-key-passphrase-file</c>); asked only for a protected key.</param>
    /// <param name="agentSocket">$SSH_AUTH_SOCK, for <c>agent</c>.</param>
    public static async Task<ISshSigner> OpenAsync(string spec, Func<byte[]?> passphrase, string? agentSocket, CancellationToken cancellationToken)
    {
        if (IsAgent(spec))
        {
            return await FromAgentAsync(spec.Length > Agent.Length ? spec[(Agent.Length + 1)..] : null, agentSocket, cancellationToken).ConfigureAwait(false);
        }
        string text;
        try
        {
            text = await File.ReadAllTextAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SshFormatException($"cannot read the key {spec}: {ex.Message}", ex);
        }
        if (text.TrimStart().StartsWith("ssh-", StringComparison.Ordinal) || text.TrimStart().StartsWith("ecdsa-", StringComparison.Ordinal))
        {
            throw new SshFormatException($"{spec} is a public key: give the private key, or sign through ssh-agent (--sign-key agent)");
        }
        byte[] secret = [];
        if (OpenSshKeyFile.IsProtected(text))
        {
            secret = passphrase() ?? throw new SshPassphraseException($"{spec} is protected by a passphrase: give it with --sign-key-passphrase-file");
        }
        try
        {
            return OpenSshKeyFile.Parse(text, secret);
        }
        catch (SshPassphraseException ex)
        {
            throw new SshPassphraseException($"{spec}: {ex.Message}");
        }
        catch (SshFormatException ex)
        {
            throw new SshFormatException($"{spec}: {ex.Message}", ex);
        }
    }

    private static async Task<ISshSigner> FromAgentAsync(string? which, string? socket, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(socket))
        {
            throw new SshFormatException("--sign-key agent: SSH_AUTH_SOCK is not set (is ssh-agent running, and its variables exported?)");
        }
        var agent = new SshAgentClient(socket);
        var keys = await agent.ListKeysAsync(cancellationToken).ConfigureAwait(false);
        var candidates = which is null ? keys : keys.Where(k => k.Fingerprint == which || k.Fingerprint == "SHA256:" + which).ToList();
        return candidates.Count switch
        {
            1 => new SshAgentSigner(agent, candidates[0]),
            0 when keys.Count == 0 => throw new SshFormatException($"ssh-agent at {socket} holds no key cfir can sign with (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)"),
            0 => throw new SshFormatException($"ssh-agent holds no key {which}; it holds {List(keys)}"),
            _ => throw new SshFormatException($"ssh-agent holds {keys.Count} keys; name one with --sign-key agent:FINGERPRINT: {List(keys)}"),
        };
    }

    private static string List(IEnumerable<SshPublicKey> keys) => string.Join(", ", keys.Select(k => k.Describe()));
}
