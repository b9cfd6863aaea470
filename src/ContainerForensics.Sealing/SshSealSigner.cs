using ContainerForensics.Evidence;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;

namespace ContainerForensics.Sealing;

/// <summary>
/// Signs the seal for the archive writer (<see cref="ISealSigner"/>): an SSHSIG signature in the
/// namespace <c>cfir</c> with sha512 over SEAL.json's exact bytes, armored as ssh-keygen writes
/// it, so <c>ssh-keygen -Y verify -n cfir -s SEAL.sig &lt; SEAL.json</c> checks it.
/// </summary>
public sealed class SshSealSigner(ISshSigner signer) : ISealSigner
{
    /// <summary>The SSHSIG namespace of cfir's seals: a signature made for anything else never passes for one.</summary>
    public const string Namespace = "cfir";

    public SshPublicKey Key => signer.PublicKey;

    /// <summary>Where the key is: <c>ssh-agent</c>, or <c>file</c> (in cfir's memory for the run).</summary>
    public string Via => signer is SshAgentSigner ? "ssh-agent" : "file";

    public string KeyDescription => signer.PublicKey.Describe();

    public async ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> seal, CancellationToken cancellationToken)
    {
        var signature = await SshSignature.SignAsync(signer, seal, Namespace, cancellationToken).ConfigureAwait(false);
        return signature.ToArmored();
    }
}
