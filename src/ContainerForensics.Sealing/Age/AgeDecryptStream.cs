using System.Security.Cryptography;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// Decrypts an age v1 file as it streams (a file or a pipe), releasing each 64 KiB chunk only
/// once it is authenticated. <see cref="Open"/> reads the header, unwraps the file key with the
/// first identity that can and checks the header's MAC; reading then ends with an
/// <see cref="AgeException"/> (<see cref="AgeFailure.Payload"/>) for a changed chunk, a stream
/// cut before its final chunk, an empty final chunk after others, or data after the final chunk
/// (the rules of filippo.io/age's stream reader, the C2SP test vectors' "payload failure").
/// </summary>
public sealed class AgeDecryptStream : ForwardReadStream
{
    private readonly Stream _payload;
    private readonly ChaCha20Poly1305 _aead;
    private readonly byte[] _chunkNonce = new byte[12];
    private readonly byte[] _sealed = new byte[AgePayload.EncryptedChunkSize];
    private readonly byte[] _plain = new byte[AgePayload.ChunkSize];
    private int _plainAt;
    private int _plainEnd;
    private long _chunk;
    private bool _ended;
    private AgeException? _failure;

    private AgeDecryptStream(Stream payload, byte[] payloadKey, AgeHeader header, IAgeIdentity identity)
    {
        _payload = payload;
        _aead = new ChaCha20Poly1305(payloadKey);
        Header = header;
        Identity = identity;
    }

    public AgeHeader Header { get; }

    /// <summary>The identity that opened the file.</summary>
    public IAgeIdentity Identity { get; }

    /// <summary>Plaintext bytes released so far.</summary>
    public long PlaintextBytes { get; private set; }

    /// <summary>Whether the final chunk was authenticated and nothing followed it.</summary>
    public bool Complete => _ended && _failure is null;

    /// <summary>Why the payload stopped decrypting, once it has; null while it has not.</summary>
    public AgeException? Failure => _failure;

    /// <param name="input">The encrypted file from its first byte; not disposed by the stream.</param>
    public static AgeDecryptStream Open(Stream input, IReadOnlyList<IAgeIdentity> identities)
    {
        var lines = new LineInput(input);
        var header = AgeHeader.Read(lines);
        var types = header.Stanzas.Select(s => s.Type).ToList();
        if (types.Contains("scrypt"))
        {
            throw types.Count > 1
                ? new AgeException(AgeFailure.Header, "an scrypt (passphrase) stanza beside other stanzas: the spec forbids it")
                : new AgeException(AgeFailure.Unsupported, "the file is encrypted with a passphrase (scrypt), which cfir does not take: decrypt it with age -d");
        }
        foreach (var identity in identities)
        {
            if (identity.Unwrap(header.Stanzas) is not { } fileKey)
            {
                continue;
            }
            if (!header.MacMatches(fileKey))
            {
                throw new AgeException(AgeFailure.HeaderMac, "the header's MAC does not match: the header was changed");
            }
            var payload = lines.Rest();
            byte[] nonce = new byte[AgePayload.NonceSize];
            if (ReadFull(payload, nonce) != nonce.Length)
            {
                throw new AgeException(AgeFailure.Header, "the file ends before the end of the payload's nonce: it is cut");
            }
            byte[] key = AgePayload.Key(fileKey, nonce);
            CryptographicOperations.ZeroMemory(fileKey);
            return new AgeDecryptStream(payload, key, header, identity);
        }
        throw new AgeException(AgeFailure.NoMatch,
            $"no identity given opens the file: it is encrypted to {string.Join(", ", types.GroupBy(t => t).Select(g => g.Count() == 1 ? g.Key : $"{g.Count()} × {g.Key}"))}, " +
            $"and {string.Join(", ", identities.Select(i => i.Describe()))} is none of them");
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        while (_plainAt == _plainEnd)
        {
            if (_failure is not null)
            {
                throw _failure;
            }
            if (_ended)
            {
                return 0;
            }
            try
            {
                NextChunk();
            }
            catch (AgeException ex)
            {
                _failure = ex;
                throw;
            }
        }
        int n = Math.Min(buffer.Length, _plainEnd - _plainAt);
        _plain.AsSpan(_plainAt, n).CopyTo(buffer);
        _plainAt += n;
        PlaintextBytes += n;
        return n;
    }


    private void NextChunk()
    {
        int n = ReadFull(_payload, _sealed);
        bool last = false;
        if (n == 0)
        {
            throw new AgeException(AgeFailure.Payload, $"the encrypted file ends after {PlaintextBytes} bytes without its final chunk: it is cut");
        }
        if (n < _sealed.Length)
        {
            if (_chunk > 0 && n == AgePayload.TagSize)
            {
                throw new AgeException(AgeFailure.Payload, "the final chunk is empty, which only an empty file may have");
            }
            last = true;
        }
        int length = Math.Max(0, n - AgePayload.TagSize);
        bool opened = n >= AgePayload.TagSize && TryOpen(length, last);
        if (!opened && !last)
        {
            // A full-size chunk may be the final one.
            last = true;
            opened = TryOpen(length, last);
        }
        if (!opened)
        {
            throw new AgeException(AgeFailure.Payload,
                $"chunk {_chunk} (plaintext bytes {_chunk * AgePayload.ChunkSize} on) fails authentication: the encrypted file was changed or cut");
        }
        AgePayload.Increment(_chunkNonce);
        _chunk++;
        _plainAt = 0;
        _plainEnd = length;
        if (last)
        {
            _ended = true;
            if (_payload.Read(new byte[1]) > 0)
            {
                // The final chunk is authentic and is released; what follows it is the failure.
                _failure = new AgeException(AgeFailure.Payload, "data follows the final chunk of the encrypted file");
            }
        }
    }

    private bool TryOpen(int length, bool last)
    {
        _chunkNonce[11] = last ? (byte)1 : (byte)0;
        try
        {
            _aead.Decrypt(_chunkNonce, _sealed.AsSpan(0, length), _sealed.AsSpan(length, AgePayload.TagSize), _plain.AsSpan(0, length));
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    private static int ReadFull(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    protected override long? Given => PlaintextBytes;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }
        base.Dispose(disposing);
    }
}
