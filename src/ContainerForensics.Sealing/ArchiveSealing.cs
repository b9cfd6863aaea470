using ContainerForensics.Core.Collection;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Sealing.Age;
using ContainerForensics.Sealing.Ssh;

namespace ContainerForensics.Sealing;

/// <summary>What <c>cfir collect</c> was asked for beyond the archive: <c>--sign-key</c> (and its passphrase file) and <c>--encrypt-to</c>.</summary>
public sealed record ArchiveSealingRequest
{
    public string? SignKey { get; init; }

    /// <summary>Reads the signing key's passphrase; asked only for a protected key.</summary>
    public Func<byte[]?> SignKeyPassphrase { get; init; } = () => null;

    /// <summary>$SSH_AUTH_SOCK, for <c>--sign-key agent</c>.</summary>
    public string? AgentSocket { get; init; }

    public IReadOnlyList<string> EncryptTo { get; init; } = [];

    /// <summary>Reads an <c>@FILE</c> of recipients.</summary>
    public Func<string, string> ReadFile { get; init; } = File.ReadAllText;
}

/// <summary>
/// The signing and encryption layers of one collection, set up before it starts (a wrong
/// passphrase, an empty agent, a mistyped recipient stop the run before any evidence is taken):
/// the seal's signer for the archive writer, the age layer for the archive output, and what the
/// acquisition record says of both. The writer and the collectors know nothing of them.
/// </summary>
public sealed class ArchiveSealing
{
    /// <summary>The suffix of an age-encrypted archive's default name.</summary>
    public const string EncryptedSuffix = ".age";

    private readonly IReadOnlyList<IAgeRecipient> _recipients;

    private ArchiveSealing(SshSealSigner? signer, IReadOnlyList<IAgeRecipient> recipients, SealingInfo info)
    {
        Signer = signer;
        _recipients = recipients;
        Info = info;
    }

    /// <summary>Signs the seal; null when not asked to.</summary>
    public SshSealSigner? Signer { get; }

    public bool Encrypts => _recipients.Count > 0;

    /// <summary>For the archive output: encrypts everything written, to every recipient; null when not asked to.</summary>
    public Func<Stream, OutputLayer>? Layer => Encrypts ? below => new AgeEncryptStream(below, _recipients) : null;

    /// <summary>What the acquisition record says of the signing key and the recipients.</summary>
    public SealingInfo Info { get; }

    public IReadOnlyList<string> RecipientNames => _recipients.Select(r => r.Describe()).ToList();

    /// <summary>
    /// Opens the signing key and reads the recipients. Failures are <see cref="SealingSetupException"/>
    /// naming the option and the reason.
    /// </summary>
    public static async Task<ArchiveSealing> OpenAsync(ArchiveSealingRequest request, CancellationToken cancellationToken)
    {
        IReadOnlyList<IAgeRecipient> recipients;
        try
        {
            recipients = AgeKeys.ParseRecipients(request.EncryptTo, request.ReadFile);
        }
        catch (AgeException ex)
        {
            throw new SealingSetupException($"--encrypt-to: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SealingSetupException($"--encrypt-to: {ex.Message}", ex);
        }
        if (request.EncryptTo.Count > 0 && recipients.Count == 0)
        {
            throw new SealingSetupException("--encrypt-to: the recipients file holds no recipient");
        }
        SshSealSigner? signer = null;
        if (request.SignKey is { } spec)
        {
            try
            {
                signer = new SshSealSigner(await SigningKey.OpenAsync(spec, request.SignKeyPassphrase, request.AgentSocket, cancellationToken).ConfigureAwait(false));
            }
            catch (SshFormatException ex)
            {
                throw new SealingSetupException($"--sign-key: {ex.Message}", ex);
            }
        }
        var key = signer?.Key;
        var info = new SealingInfo(
            key?.Fingerprint,
            key?.Type,
            key?.Comment is { Length: > 0 } c ? c : null,
            signer?.Via,
            recipients.Count > 0 ? "age-encryption.org/v1" : null,
            recipients.Select(r => r.Describe()).ToList());
        return new ArchiveSealing(signer, recipients, info);
    }
}

/// <summary>A signing key or recipient that cannot be used; the message names the option.</summary>
public sealed class SealingSetupException : Exception
{
    public SealingSetupException(string message) : base(message)
    {
    }

    public SealingSetupException(string message, Exception inner) : base(message, inner)
    {
    }
}
