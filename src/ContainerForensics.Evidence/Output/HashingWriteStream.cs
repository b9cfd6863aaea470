using System.Security.Cryptography;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// A write-only pass-through that counts and sha256-hashes every byte on its way to the
/// stream below. The writer uses two: one under the tar/zip layer (what the seal covers) and
/// one at the very bottom (the archive's own hash, for comparison with what arrives). The tar
/// layer's hashes on a thread of its own (<see cref="BackgroundSha256"/>): sync writes only.
/// </summary>
internal sealed class HashingWriteStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash? _hash;
    private readonly BackgroundSha256? _background;

    /// <param name="background">Hash on a thread of its own; then only the synchronous writes may be used.</param>
    public HashingWriteStream(Stream inner, bool leaveOpen, bool background = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        if (background)
        {
            _background = new BackgroundSha256();
        }
        else
        {
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    public long BytesWritten { get; private set; }

    /// <summary>The sha256 of every byte so far; hashing goes on afterwards.</summary>
    public string CurrentSha256() => Convert.ToHexStringLower(_background?.CurrentHash() ?? _hash!.GetCurrentHash());

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Write(buffer);
        if (_background is not null)
        {
            _background.Append(buffer);
        }
        else
        {
            _hash!.AppendData(buffer);
        }
        BytesWritten += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_background is not null)
        {
            throw new NotSupportedException("a background hash takes synchronous writes only");
        }
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _hash!.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
            _background?.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
