namespace ContainerForensics.Sealing.Ssh;

/// <summary>A key held by ssh-agent: the private key never reaches cfir, the agent signs.</summary>
public sealed class SshAgentSigner(SshAgentClient agent, SshPublicKey key) : ISshSigner
{
    public SshPublicKey PublicKey => key;

    public async ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        byte[] signature = await agent.SignAsync(key, data, cancellationToken).ConfigureAwait(false);
        // An agent is another program: what it returns is checked like a signature from outside.
        if (!key.Verify(data.Span, signature, out var why))
        {
            throw new SshFormatException($"ssh-agent returned a signature that does not verify with {key.Describe()}: {why}");
        }
        return signature;
    }
}
