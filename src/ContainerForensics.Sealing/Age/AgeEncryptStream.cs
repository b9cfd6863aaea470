using System.Security.Cryptography;
using ContainerForensics.Evidence.Output;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// Encrypts a stream in the age v1 format, in one pass and with bounded memory: the header
/// (one stanza per recipient, its MAC), the nonce, then each 64 KiB of plaintext as one sealed
/// chunk. The last chunk is known only at <see cref="Finish"/>, so up to one chunk is held back;
/// a stream never finished has no final chunk, and age reports it as cut.
/// </summary>
public sealed class AgeEncryptStream : OutputLayer
{
    /// <summary>Sealed chunks gathered before one write below: fewer, larger writes to a file or pipe.</summary>
    private const int ChunksPerWrite = 16;

    private readonly Stream _below;
    private readonly byte[] _header;
    private readonly ChaCha20Poly1305 _aead;
    private readonly byte[] _chunkNonce = new byte[12];
    private readonly byte[] _plain = new byte[AgePayload.ChunkSize];
    private readonly byte[] _sealed = new byte[ChunksPerWrite * AgePayload.EncryptedChunkSize];
    private int _plainFilled;
    private int _sealedFilled;
    private bool _headerWritten;
    private bool _finished;

    /// <param name="below">Where the ciphertext goes; not disposed by this stream.</param>
    public AgeEncryptStream(Stream below, IReadOnlyList<IAgeRecipient> recipients)
    {
        if (recipients.Count == 0)
        {
            throw new ArgumentException("at least one recipient", nameof(recipients));
        }
        _below = below;
        byte[] fileKey = RandomNumberGenerator.GetBytes(16);
        byte[] nonce = RandomNumberGenerator.GetBytes(AgePayload.NonceSize);
        _header = [.. AgeHeader.Write(recipients.Select(r => r.Wrap(fileKey)).ToList(), fileKey), .. nonce];
        _aead = new ChaCha20Poly1305(AgePayload.Key(fileKey, nonce));
        CryptographicOperations.ZeroMemory(fileKey);
    }

    /// <summary>Plaintext bytes taken so far.</summary>
    public long PlaintextBytes { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        PlaintextBytes += buffer.Length;
        while (!buffer.IsEmpty)
        {
            if (_plainFilled == AgePayload.ChunkSize)
            {
                // More follows, so the chunk held back is not the last.
                SealChunk(_plain, last: false);
                _plainFilled = 0;
            }
            if (_plainFilled == 0 && buffer.Length > AgePayload.ChunkSize)
            {
                SealChunk(buffer[..AgePayload.ChunkSize], last: false);
                buffer = buffer[AgePayload.ChunkSize..];
                continue;
            }
            int n = Math.Min(buffer.Length, AgePayload.ChunkSize - _plainFilled);
            buffer[..n].CopyTo(_plain.AsSpan(_plainFilled));
            _plainFilled += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Writes the sealed chunks out; the chunk held back stays (it may yet be the last).</summary>
    public override void Flush()
    {
        WriteSealed();
        _below.Flush();
    }

    public override void Finish()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        // The last chunk may be empty only when the whole payload is.
        SealChunk(_plain.AsSpan(0, _plainFilled), last: true);
        _plainFilled = 0;
        WriteSealed();
        _below.Flush();
        _finished = true;
    }

    private void SealChunk(ReadOnlySpan<byte> plain, bool last)
    {
        if (_sealedFilled + AgePayload.EncryptedChunkSize > _sealed.Length)
        {
            WriteSealed();
        }
        _chunkNonce[11] = last ? (byte)1 : (byte)0;
        var target = _sealed.AsSpan(_sealedFilled, plain.Length + AgePayload.TagSize);
        _aead.Encrypt(_chunkNonce, plain, target[..plain.Length], target[plain.Length..]);
        _sealedFilled += target.Length;
        AgePayload.Increment(_chunkNonce);
    }

    private void WriteSealed()
    {
        if (!_headerWritten)
        {
            _below.Write(_header);
            _headerWritten = true;
        }
        if (_sealedFilled > 0)
        {
            _below.Write(_sealed.AsSpan(0, _sealedFilled));
            _sealedFilled = 0;
        }
    }

    /// <summary>
    /// Unfinished, the chunks already sealed are still written (an interrupted archive keeps as
    /// much as it can), but never a final chunk: age then reads what there is and says it is cut.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_finished)
            {
                try
                {
                    WriteSealed();
                }
                catch (IOException)
                {
                    // The output failing is what ended the run; its error has been reported.
                }
            }
            _aead.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            _finished = true;
        }
        base.Dispose(disposing);
    }
}
