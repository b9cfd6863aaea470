namespace ContainerForensics.Sealing.Ssh;

/// <summary>What signs with an SSH key: a private key in hand (<see cref="SshPrivateKey"/>) or one held by ssh-agent (<see cref="SshAgentSigner"/>).</summary>
public interface ISshSigner
{
    SshPublicKey PublicKey { get; }

    /// <summary>An SSH signature blob (string algorithm, string signature) over <paramref name="data"/>; RSA signs with rsa-sha2-512.</summary>
    ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
