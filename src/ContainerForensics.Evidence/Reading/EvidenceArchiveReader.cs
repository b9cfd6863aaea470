using ContainerForensics.Core;
using ContainerForensics.Evidence.Compression;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// Reads an evidence archive (docs/evidence-format.md) once, front to back, from a file or a
/// pipe: tar, tar.gz (exactly one gzip member, RFC 1952), tar.zst (exactly one zstd frame, RFC
/// 8878) or zip (by its local headers; an AES zip
/// from a file). Hands out the members in the order they were written, with their content, and
/// parses the archive's own records as their members pass: each manifest and errors line, typed,
/// to the caller as it streams (<see cref="ArchiveReaderOptions"/>); the seal and the acquisition
/// record whole. After the last member it looks at what follows the archive's structural end and
/// reads the input to its last byte, so <see cref="ArchiveSha256"/> covers every byte that arrived.
/// </summary>
/// <remarks>
/// Memory is bounded whatever the archive holds: one manifest line, one seal, one acquisition
/// record and the buffers. A damaged archive throws from <see cref="MoveNext"/> or
/// <see cref="Read"/> (<c>TarFormatException</c>, <c>InvalidDataException</c>, or whatever a
/// decoder throws on bad data); what does not stop the reading is a <see cref="ReaderProblem"/>.
/// Not thread-safe.
/// </remarks>
public sealed partial class EvidenceArchiveReader : IDisposable
{
    /// <summary>The seal is a few hundred bytes of JSON; a larger one is not read into memory.</summary>
    internal const int MaxSealSize = 1 << 20;

    /// <summary>
    /// How far past the tar's end-of-archive blocks a gzip member or zstd frame is decompressed
    /// to say what is there: a gzip of zeros inflates a thousandfold (zstd's far more), and past
    /// the end nothing needs its bytes.
    /// </summary>
    private const long TrailingProbe = 1 << 20;

    /// <summary>Problems kept in <see cref="Problems"/>; <see cref="ArchiveReaderOptions.OnProblem"/> is told of every one.</summary>
    private const int ProblemsKept = 100;

    private readonly Stream _input;
    private readonly bool _ownsInput;
    private readonly ArchiveReaderOptions _options;
    private readonly RawInputStream? _raw; // the bytes as they arrive; none for an encrypted zip file, which is read through its central directory
    private readonly RecordTap _records;
    private readonly List<ReaderProblem> _problems = [];
    private readonly byte[] _buffer = new byte[1 << 20];
    private IMemberSource? _source;
    private GzipMemberStream? _gzip;
    private ZstdFrameStream? _zstd;
    private bool _contentEnded;
    private bool _ended;
    private string? _fileSha256;

    /// <param name="input">The archive, read once from where it stands; not disposed by the reader.</param>
    public EvidenceArchiveReader(Stream input, ArchiveReaderOptions? options = null)
        : this(input, options ?? new ArchiveReaderOptions(), ownsInput: false)
    {
    }

    private EvidenceArchiveReader(Stream input, ArchiveReaderOptions options, bool ownsInput)
    {
        _input = input;
        _ownsInput = ownsInput;
        _options = options;
        _records = new RecordTap(options, Problem);
        if (options.ZipPassword is not null && input.CanSeek)
        {
            Format = "zip";
            return;
        }
        _raw = new RawInputStream(input, options.Hashes);
        var head = _raw.Head;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]))
        {
            Format = "zip";
            return;
        }
        _raw.StopZipCheckpoints();
        Format = head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]) ? "tar.gz"
            : head.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]) ? "tar.zst" // RFC 8878 3.1.1: 0xFD2FB528, little-endian
            : "tar";
        if (Format == "tar.zst" && ZstdSettings.Unavailable() is { } why)
        {
            // Not a damaged archive: this machine cannot decompress it. Said before a byte is
            // judged, never as "corrupt" with the hash of the first block read.
            throw new CfirException(ExitCode.VerificationFailed,
                $"a tar.zst archive, and {why}: nothing was read or checked; read it on a machine with libzstd, or decompress it there first (zstd -d) and read the tar");
        }
    }

    /// <summary>Opens the archive file at <paramref name="path"/>; the reader closes it.</summary>
    public static EvidenceArchiveReader Open(string path, ArchiveReaderOptions? options = null)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        try
        {
            return new EvidenceArchiveReader(file, options ?? new ArchiveReaderOptions(), ownsInput: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary><c>tar</c>, <c>tar.gz</c>, <c>tar.zst</c> or <c>zip</c>, from the input's first bytes.</summary>
    public string Format { get; }

    /// <summary>The member <see cref="MoveNext"/> moved to; null before the first and after the last.</summary>
    public ArchiveMember? Current { get; private set; }

    /// <summary>The acquisition record, once its member has been passed (the last one, if the archive has two).</summary>
    public AcquisitionRecordDocument? Acquisition => _records.Acquisition;

    /// <summary>The seal, once its member has been passed; null when there is none or it is not a JSON object.</summary>
    public Seal? Seal => _records.Seal;

    /// <summary>The seal's bytes as stored, for the checks that need them (its self-hash, its tar header).</summary>
    public byte[]? SealBytes => _records.SealBytes;

    /// <summary>SEAL.sig's bytes as stored, once its member has been passed; null when the archive has none.</summary>
    public byte[]? SignatureBytes => _records.SignatureBytes;

    /// <summary>Manifest lines passed so far, those that could not be read included.</summary>
    public long ManifestLines => _records.ManifestLines;

    /// <summary>Error records passed so far, those that could not be read included.</summary>
    public long ErrorLines => _records.ErrorLines;

    /// <summary>The first problems found (at most 100); <see cref="ProblemCount"/> counts them all.</summary>
    public IReadOnlyList<ReaderProblem> Problems => _problems;

    public long ProblemCount { get; private set; }

    /// <summary>
    /// A tar once read to its end: the bytes from the seal's header to the end of the tar stream
    /// (header, content, padding, SEAL.sig when it follows, end-of-archive blocks), which no hash covers.
    /// </summary>
    public byte[]? TarTail => (_source as TarMemberSource)?.Tail;

    /// <summary>Bytes of the input read so far; all of them once <see cref="MoveNext"/> has returned false.</summary>
    public long ArchiveBytes => _raw?.Total ?? _input.Length;

    /// <summary>
    /// Moves to the next member. What was not read of the current member's content is read now (its
    /// records are parsed all the same). After the last member, reads what follows the archive's
    /// end (a <c>trailing</c> problem when there is anything) and the input to its end, and
    /// returns false.
    /// </summary>
    public bool MoveNext()
    {
        if (_ended)
        {
            return false;
        }
        if (Current is not null)
        {
            Drain();
        }
        _source ??= OpenSource();
        Current = _source.Next();
        if (Current is null)
        {
            _ended = true;
            ReadPastEnd();
            return false;
        }
        _contentEnded = false;
        _records.Begin(Current.Name);
        return true;
    }

    /// <summary>The current member's content (logical: a sparse file's holes as zeros); 0 at its end, and always for a member without content.</summary>
    public int Read(Span<byte> buffer)
    {
        if (Current is null || buffer.IsEmpty)
        {
            return 0;
        }
        if (!Current.HasContent)
        {
            Drain();
            return 0;
        }
        return Pull(buffer);
    }

    /// <summary>
    /// A zip read as a stream: the sha256 of the bytes before a local header at
    /// <paramref name="offset"/>, when one was met there before the seal (the seal's
    /// <c>sealedBytes</c> says where to look). Null for other formats.
    /// </summary>
    public string? PrefixSha256At(long offset) =>
        _source is ZipStreamMemberSource ? _raw!.ZipCheckpoints.GetValueOrDefault(offset) : null;

    /// <summary>
    /// The sha256 of the input's bytes read so far: of every byte that arrived once
    /// <see cref="MoveNext"/> has returned false. An encrypted zip file: of the whole file.
    /// Throws when the reader was told not to hash (<see cref="ArchiveReaderOptions.Hashes"/>).
    /// </summary>
    public string ArchiveSha256() => !_options.Hashes
        ? throw new InvalidOperationException("the archive was read without hashing it")
        : _raw?.Sha256() ?? (_fileSha256 ??= ZipFileMemberSource.HashPrefix(_input, long.MaxValue));

    private IMemberSource OpenSource()
    {
        if (_raw is null)
        {
            return new ZipFileMemberSource(_input, _options.ZipPassword!, _options.Hashes);
        }
        if (Format == "zip")
        {
            return new ZipStreamMemberSource(_raw);
        }
        if (Format == "tar.gz")
        {
            _gzip = new GzipMemberStream(_raw);
            return new TarMemberSource(_gzip, _options.Hashes);
        }
        if (Format == "tar.zst")
        {
            _zstd = new ZstdFrameStream(_raw);
            return new TarMemberSource(_zstd, _options.Hashes);
        }
        return new TarMemberSource(_raw, _options.Hashes);
    }

    private int Pull(Span<byte> buffer)
    {
        if (_contentEnded)
        {
            return 0;
        }
        int n = _source!.Read(buffer);
        if (n == 0)
        {
            _contentEnded = true;
            _records.End();
        }
        else if (Current!.HasContent)
        {
            _records.Feed(buffer[..n]);
        }
        return n;
    }

    private void Drain()
    {
        while (Pull(_buffer) > 0)
        {
        }
    }

    /// <summary>What follows the archive's structural end: cfir writes nothing there, so anything is a problem saying what it is.</summary>
    private void ReadPastEnd()
    {
        switch (_source)
        {
            case TarMemberSource tar when _gzip is not null:
                Inside(tar, _gzip, "gzip");
                if (_gzip.Ended)
                {
                    Trailing(TrailingData.Scan(_gzip.Leftover, _raw!, long.MaxValue, _buffer), after: "gzip");
                }
                break;
            case TarMemberSource tar when _zstd is not null:
                Inside(tar, _zstd, "zstd");
                if (_zstd.Ended)
                {
                    Trailing(TrailingData.Scan(_zstd.Leftover, _raw!, long.MaxValue, _buffer), after: "zstd");
                }
                break;
            case TarMemberSource tar:
                Trailing(TrailingData.Scan(tar.ReadAhead, _raw!, long.MaxValue, _buffer), after: null);
                break;
            case ZipStreamMemberSource:
                CheckZipEnd();
                break;
        }
        // Read to the very end so the archive's own hash covers every byte that arrived (raw
        // bytes only: trailing data inside a gzip member or zstd frame is not decompressed to get here).
        while (_raw is not null && _raw.Read(_buffer) > 0)
        {
        }
    }

    /// <summary>What the compressed stream holds after the tar's end: at most <see cref="TrailingProbe"/> of it is decompressed.</summary>
    private void Inside(TarMemberSource tar, Stream decompressed, string compression)
    {
        var inside = TrailingData.Scan(tar.ReadAhead, decompressed, TrailingProbe, _buffer);
        if (inside.Bytes > 0)
        {
            Problem(new ReaderProblem("trailing", null, inside.DescribeInside(compression)));
        }
    }

    private void Trailing(TrailingData trailing, string? after)
    {
        if (trailing.Bytes > 0)
        {
            Problem(new ReaderProblem("trailing", null, trailing.Describe(after)));
        }
    }

    /// <summary>
    /// The zip reader stops at the central directory without reading it; a zip cut inside it
    /// would pass. cfir writes no zip comment, so the end-of-central-directory record
    /// (PK\x05\x06, 22 bytes) must be the very end of the input.
    /// </summary>
    private void CheckZipEnd()
    {
        _raw!.StopZipCheckpoints();
        while (_raw.Read(_buffer) > 0)
        {
        }
        var last = _raw.LastBytes;
        if (last.Length < 22 || !last[^22..].StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x05, 0x06]))
        {
            Problem(new ReaderProblem("corrupt", null, "the zip's end-of-central-directory record is missing: the archive is cut off"));
        }
    }

    private void Problem(ReaderProblem problem)
    {
        ProblemCount++;
        if (_problems.Count < ProblemsKept)
        {
            _problems.Add(problem);
        }
        _options.OnProblem?.Invoke(problem);
    }

    public void Dispose()
    {
        _source?.Dispose();
        _gzip?.Dispose();
        _zstd?.Dispose();
        _raw?.Dispose();
        if (_ownsInput)
        {
            _input.Dispose();
        }
    }
}
