using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// PAX tar, optionally compressed on every core (gzip: <see cref="ParallelGzipStream"/>; zstd:
/// <see cref="ZstdWriteStream"/>), over the archive output.
/// </summary>
internal sealed class TarMemberWriter : IMemberWriter
{
    private readonly HashingWriteStream _tarBytes;
    private readonly PaxTarWriter _tar;
    private readonly Stream? _compressor;

    /// <param name="output">The stream below (already hashed for the archive's own sha256).</param>
    /// <param name="compressor">
    /// Null for plain tar; else a compressing stream over <paramref name="output"/> that leaves it
    /// open and ends its format when disposed (<see cref="Compress"/>).
    /// </param>
    /// <param name="tap">Also gets the uncompressed tar stream (<see cref="EvidenceArchiveOptions.StreamTap"/>); never disposed here.</param>
    public TarMemberWriter(Stream output, Stream? compressor = null, Stream? tap = null)
    {
        _compressor = compressor;
        Stream below = compressor ?? output;
        if (tap is not null)
        {
            below = new TapWriteStream(below, tap);
        }
        // Large buffered writes: the tar writer emits 512-byte headers and the content in big chunks.
        _tarBytes = new HashingWriteStream(below, leaveOpen: true, background: true);
        _tar = new PaxTarWriter(_tarBytes, leaveOpen: true);
    }

    /// <summary>The compressor of a tar format over <paramref name="output"/>; null for plain tar.</summary>
    public static Stream? Compress(Stream output, ArchiveFormat format, EvidenceArchiveOptions options) => format switch
    {
        ArchiveFormat.TarGz => new ParallelGzipStream(output, options.GzipLevel, leaveOpen: true),
        ArchiveFormat.TarZst => new ZstdWriteStream(output, options.ZstdLevel),
        _ => null,
    };

    public long Position => _tar.Position;

    public bool SupportsSparse => true;

    public bool SupportsHardLinks => true;

    public string CurrentStreamSha256()
    {
        if (_tarBytes.BytesWritten != _tar.Position)
        {
            throw new InvalidOperationException($"tar writer buffered bytes: {_tar.Position} written, {_tarBytes.BytesWritten} hashed");
        }
        return _tarBytes.CurrentSha256();
    }

    public void BeginMember(TarHeader header) => _tar.BeginEntry(header);

    public void Write(ReadOnlySpan<byte> data) => _tar.WriteData(data);

    public void EndMember() => _tar.EndEntry();

    /// <summary>
    /// gzip at level 1 goes to level 2 for the closing records: zlib-ng's level 1 codes every
    /// byte with the fixed Huffman table, 8 bits a hex digit; level 2 builds a table per block,
    /// for a few percent more CPU on records that are a small part of the stream (bench/README.md, files100k).
    /// </summary>
    public void BeginClosingRecords()
    {
        if (_compressor is ParallelGzipStream { Level: 1 } gzip)
        {
            gzip.Level = 2;
        }
    }

    public void Finish()
    {
        _tar.Finish();
        _tarBytes.Flush();
        _compressor?.Dispose(); // gzip: the last (final) block and the trailer; zstd: the frame's end and checksum
    }

    public void Dispose()
    {
        _tar.Dispose();
        _tarBytes.Dispose();
        _compressor?.Dispose();
    }
}
