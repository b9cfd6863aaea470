using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Output;

/// <summary>PAX tar, optionally gzip-compressed on every core (<see cref="ParallelGzipStream"/>), over the archive output.</summary>
internal sealed class TarMemberWriter : IMemberWriter
{
    private readonly HashingWriteStream _tarBytes;
    private readonly PaxTarWriter _tar;
    private readonly Stream? _compressor;

    /// <param name="output">The stream below (already hashed for the archive's own sha256).</param>
    /// <param name="gzipLevel">Null for plain tar; else the zlib level (docs/evidence-format.md says why 1).</param>
    public TarMemberWriter(Stream output, int? gzipLevel)
    {
        Stream below = output;
        if (gzipLevel is { } level)
        {
            _compressor = new ParallelGzipStream(output, level, leaveOpen: true);
            below = _compressor;
        }
        // Large buffered writes: the tar writer emits 512-byte headers and the content in big chunks.
        _tarBytes = new HashingWriteStream(below, leaveOpen: true, background: true);
        _tar = new PaxTarWriter(_tarBytes, leaveOpen: true);
    }

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

    public void Finish()
    {
        _tar.Finish();
        _tarBytes.Flush();
        _compressor?.Dispose(); // the last (final) block and the gzip trailer
    }

    public void Dispose()
    {
        _tar.Dispose();
        _tarBytes.Dispose();
        _compressor?.Dispose();
    }
}
