namespace ContainerForensics.Evidence;

/// <summary>
/// Signs the seal (<c>--sign-key</c>; ContainerForensics.Sealing signs with SSH keys). The writer
/// hands it SEAL.json's exact bytes once they are made and stores what it returns as SEAL.sig,
/// right after the seal; the seal commits to every byte before it, so the signature does too.
/// The writer knows nothing of keys.
/// </summary>
public interface ISealSigner
{
    /// <summary>The key, as the run's report names it (e.g. "ED25519 SHA256:... (comment)").</summary>
    string KeyDescription { get; }

    /// <summary>The signature's bytes, stored as they are in SEAL.sig.</summary>
    ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> seal, CancellationToken cancellationToken);
}
