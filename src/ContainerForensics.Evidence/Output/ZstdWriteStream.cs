using ContainerForensics.Core.IO;
using ContainerForensics.Evidence.Compression;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// A write-only zstd compressor (RFC 8878) over ZstdNet's CompressionStream: one frame, with
/// the content checksum (XXH64, so <c>zstd -t</c> finds a changed byte as gzip's CRC-32 does),
/// compressed by libzstd's own worker threads, one per core (ZSTD_c_nbWorkers: the input is cut
/// into jobs compressed side by side and joined into the one frame, as pigz does for gzip).
/// Disposing ends the frame. libzstd's errors come out as <see cref="IOException"/>, like the
/// output's own failures.
/// </summary>
internal sealed class ZstdWriteStream : WriteOnlyStream
{
    private readonly ZstdNet.CompressionOptions _options;
    private readonly ZstdNet.CompressionStream _zstd;
    private bool _disposed;
    private bool _faulted;

    /// <param name="output">Where the frame goes; left open.</param>
    /// <param name="level">1..19.</param>
    /// <param name="workers">Compressing threads; default one per core.</param>
    public ZstdWriteStream(Stream output, int level, int? workers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, ZstdSettings.MinLevel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, ZstdSettings.MaxLevel);
        _ = LibZstd.Handle; // ZstdNet's calls resolve to the library found there
        int threads = Math.Max(1, workers ?? Environment.ProcessorCount);
        try
        {
            try
            {
                (_options, _zstd) = Open(output, level, threads);
            }
            catch (ZstdNet.ZstdException ex) when (ex.Code == ZstdNet.ZSTD_ErrorCode.ZSTD_error_parameter_unsupported)
            {
                // A libzstd built without ZSTD_MULTITHREAD refuses workers: the same frame, on this thread.
                (_options, _zstd) = Open(output, level, threads: 0);
            }
        }
        catch (ZstdNet.ZstdException ex)
        {
            throw new IOException($"zstd: {ex.Message}", ex);
        }
    }

    /// <summary>Workers (0: none, compressed on the caller's thread), the content checksum, the level.</summary>
    private static (ZstdNet.CompressionOptions, ZstdNet.CompressionStream) Open(Stream output, int level, int threads)
    {
        var parameters = new Dictionary<ZstdNet.ZSTD_cParameter, int> { [ZstdNet.ZSTD_cParameter.ZSTD_c_checksumFlag] = 1 };
        if (threads > 0)
        {
            parameters[ZstdNet.ZSTD_cParameter.ZSTD_c_nbWorkers] = threads;
        }
        var options = new ZstdNet.CompressionOptions(null, parameters, level);
        try
        {
            // The output buffer as large as the writer's: fewer, larger writes to the file or pipe.
            return (options, new ZstdNet.CompressionStream(output, options, 1 << 20));
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_faulted)
        {
            throw new IOException("the zstd stream failed earlier");
        }
        try
        {
            _zstd.Write(buffer);
        }
        catch (Exception ex)
        {
            _faulted = true;
            throw ex is ZstdNet.ZstdException ? new IOException($"zstd: {ex.Message}", ex) : ex;
        }
    }

    /// <summary>ZSTD_e_flush: everything so far compressed and written out, the frame still open (waits for the workers).</summary>
    public override void Flush()
    {
        try
        {
            _zstd.Flush();
        }
        catch (Exception ex)
        {
            _faulted = true;
            throw ex is ZstdNet.ZstdException ? new IOException($"zstd: {ex.Message}", ex) : ex;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                // Like GZipStream: disposing ends the frame (ZSTD_e_end: the last block and the
                // checksum), unless the stream already failed. A failed one is left to ZstdNet's
                // finalizer, which frees libzstd's context without writing more to a broken output.
                if (!_faulted)
                {
                    _zstd.Dispose();
                }
            }
            catch (ZstdNet.ZstdException ex)
            {
                throw new IOException($"zstd: {ex.Message}", ex);
            }
            finally
            {
                _options.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    public override bool CanWrite => !_disposed;
}
