using System.Buffers.Binary;
using System.Net.Sockets;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// The few requests of the ssh-agent protocol cfir makes (draft-miller-ssh-agent, sections 3.5
/// and 3.6): list the keys, sign with one. One unix-socket connection per request, so a signer
/// held for a whole collection keeps no socket open.
/// </summary>
public sealed class SshAgentClient(string socketPath)
{
    private const byte Failure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const uint RsaSha2_512 = 4;

    /// <summary>An agent answer is small; a length beyond this is not an agent speaking.</summary>
    private const int MaxMessage = 256 * 1024;

    public string SocketPath => socketPath;

    public async Task<IReadOnlyList<SshPublicKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        var reply = await RequestAsync([RequestIdentities], cancellationToken).ConfigureAwait(false);
        var r = new SshWireReader(reply, "the agent's key list");
        byte type = r.ReadByte();
        if (type != IdentitiesAnswer)
        {
            throw new SshFormatException($"the agent answered a key listing with message {type}");
        }
        uint count = r.ReadUInt32();
        var keys = new List<SshPublicKey>();
        for (uint i = 0; i < count; i++)
        {
            var blob = r.ReadString();
            string comment = r.ReadText();
            try
            {
                keys.Add(SshPublicKey.FromBlob(blob.Span, comment));
            }
            catch (SshFormatException)
            {
                // A type cfir cannot sign with (a certificate, a security key): not a candidate.
            }
        }
        return keys;
    }

    /// <summary>An SSH signature blob by the agent's <paramref name="key"/>; RSA keys are asked for rsa-sha2-512.</summary>
    public async Task<byte[]> SignAsync(SshPublicKey key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var request = new SshWireWriter()
            .WriteByte(SignRequest)
            .WriteString(key.Blob)
            .WriteString(data.Span)
            .WriteUInt32(key.Type == SshPublicKey.Rsa ? RsaSha2_512 : 0)
            .ToArray();
        var reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        var r = new SshWireReader(reply, "the agent's signature");
        byte type = r.ReadByte();
        if (type == Failure)
        {
            throw new SshFormatException($"ssh-agent refused to sign with {key.Describe()} (the key was removed, or signing was declined)");
        }
        if (type != SignResponse)
        {
            throw new SshFormatException($"the agent answered a signature request with message {type}");
        }
        byte[] signature = r.ReadString().ToArray();
        r.ExpectEnd();
        return signature;
    }

    private async Task<byte[]> RequestAsync(byte[] message, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new SshFormatException($"cannot reach ssh-agent at {socketPath}: {ex.Message}", ex);
        }
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var frame = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
        message.CopyTo(frame, 4);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        var header = new byte[4];
        await ReadExactlyAsync(stream, header, cancellationToken).ConfigureAwait(false);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0 || length > MaxMessage)
        {
            throw new SshFormatException($"ssh-agent at {socketPath} sent a message of {length} bytes");
        }
        var reply = new byte[length];
        await ReadExactlyAsync(stream, reply, cancellationToken).ConfigureAwait(false);
        return reply;
    }

    private async Task ReadExactlyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new SshFormatException($"ssh-agent at {socketPath} closed the connection mid-answer");
        }
    }
}
