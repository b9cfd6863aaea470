using ContainerForensics.Evidence;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;

namespace ContainerForensics.Sealing;

/// <summary>
/// Checks SEAL.sig for the verifier (<see cref="ISealSignatureCheck"/>). Always: SEAL.sig is an
/// SSH signature over the seal's bytes in the namespace <c>cfir</c>, by the key the acquisition
/// record names. With an allowed-signers file: its key is listed there for <c>cfir</c> at the time
/// the seal was made, and an unsigned archive fails. Without one, a valid signature is reported
/// with its key only: who holds that key is not known.
/// </summary>
public sealed class SshSealSignatureCheck(AllowedSigners? allowedSigners) : ISealSignatureCheck
{
    public SealSignatureVerdict Check(byte[] seal, byte[]? signature, DateTimeOffset? sealedAt, string? declaredKey)
    {
        if (signature is null)
        {
            if (declaredKey is not null)
            {
                return new(null, $"the acquisition record says the seal is signed with {declaredKey}, and there is no SEAL.sig");
            }
            return allowedSigners is null
                ? new(null, null)
                : new(null, $"the archive is not signed (no SEAL.sig), and --allowed-signers {allowedSigners.Source} asks for a signed one");
        }
        SshSignature parsed;
        try
        {
            parsed = SshSignature.Parse(signature);
        }
        catch (SshFormatException ex)
        {
            return new(null, $"SEAL.sig is not a valid SSH signature: {ex.Message}");
        }
        string key = parsed.PublicKey.Describe();
        if (!parsed.Verify(seal, SshSealSigner.Namespace, out string? why))
        {
            return new(null, $"SEAL.sig by {key} does not verify over SEAL.json: {why}");
        }
        if (declaredKey is not null && declaredKey != parsed.PublicKey.Fingerprint)
        {
            return new(null, $"SEAL.sig is by {key}, but the acquisition record says the seal is signed with {declaredKey}");
        }
        if (allowedSigners is null)
        {
            return new($"{key} (not checked against an allowed-signers file)", null);
        }
        var principals = allowedSigners.PrincipalsFor(parsed.PublicKey, SshSealSigner.Namespace, sealedAt ?? DateTimeOffset.UtcNow, out why);
        return principals.Count == 0
            ? new(null, $"SEAL.sig is a valid signature by {key}, who is not an allowed signer: {why}")
            : new($"{string.Join(", ", principals)} ({key})", null);
    }
}
