using System.Buffers;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Manifest;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Provenance;
using ContainerForensics.Evidence.Spooling;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence;

/// <summary>
/// The evidence archive: one pass, append-only, to a file or a pipe. Each entry's bytes are
/// hashed while they are written; the manifest, errors, SHA256SUMS, provenance and seal close
/// the archive (docs/evidence-format.md). Knows tar, gzip, zstd and zip; knows nothing of containers.
/// </summary>
public sealed partial class EvidenceArchiveWriter : IArchiveWriter
{
    private const int BufferSize = 1 << 20;
    private const int FillBlock = 4096;

    /// <summary>
    /// Files with several names remembered for hard links (about 7 MB of paths). Beyond that a
    /// further name is stored as a copy: bigger, never lost, and memory does not grow with a
    /// layer of a million linked files.
    /// </summary>
    internal const int MaxLinkedFiles = 32_768;

    /// <summary>
    /// With spools in memory, the most of one stream of unknown length held before it is written
    /// out as a part and the rest goes on in the next part (<see cref="StreamPart"/>).
    /// </summary>
    internal const int InMemoryStreamPart = 16 << 20;

    /// <summary>Failures kept word for word for the end of the run; the rest are only in the archive.</summary>
    private const int FailuresKept = 5;

    private readonly ArchiveOutput _output;
    private readonly EvidenceArchiveOptions _options;
    private readonly Stream _archiveBytes;          // buffered, to the output
    private readonly HashingWriteStream? _archiveHash; // the archive's own sha256 where it differs from the tar stream's
    private readonly IMemberWriter _members;
    private readonly SpoolFactory _spools;
    private readonly TempSpool _manifestSpool;
    private readonly TempSpool _errorSpool;
    private readonly TempSpool _sumsSpool;
    private readonly TempSpool _streamSpool;
    private readonly ManifestWriter _manifest;
    private readonly ManifestWriter _errors;
    private readonly StreamWriter _sums;
    private readonly ArchivePathSet _paths;  // every path written, and which are regular members with content (hard link targets)
    private readonly Dictionary<(ulong Dev, ulong Ino), (string Path, string Member)> _firstLinks = [];
    private readonly Dictionary<EntryStatus, long> _statusCounts = [];
    private readonly ContentHasher _hasher;
    private readonly UnixTime _startedAt;
    private readonly List<string> _firstFailures = [];
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private long _streamOffset;   // where the stream being spooled in parts goes on
    private long _entryCount;
    private long _errorCount;
    private bool _sealed;
    private bool _broken;

    private EvidenceArchiveWriter(ArchiveOutput output, EvidenceArchiveOptions options)
    {
        _output = output;
        _options = options;
        _startedAt = options.StartedAt ?? options.Clock.GetUnixTime();
        _archiveBytes = new BufferedStream(output.Stream, 1 << 20);
        // A plain tar archive is the tar stream itself: the tar layer's hash (the seal's) is the
        // archive's hash too, so its bytes are hashed once, not twice. An output with a layer
        // (encryption) hashes what it writes below the layer itself: that is the archive's hash.
        _archiveHash = options.Format == ArchiveFormat.Tar || output.HashesWrittenBytes ? null : new HashingWriteStream(_archiveBytes, leaveOpen: false);
        Stream below = (Stream?)_archiveHash ?? _archiveBytes;
        _members = options.Format switch
        {
            ArchiveFormat.Tar or ArchiveFormat.TarGz or ArchiveFormat.TarZst => new TarMemberWriter(below, TarMemberWriter.Compress(below, options.Format, options), options.StreamTap),
            ArchiveFormat.Zip => new ZipMemberWriter(below, options.ZipPassword, options.CompressionLevel!.Value),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };
        _spools = new SpoolFactory(options.SpoolDirectory, options.SpoolMemoryBudget);
        _manifestSpool = _spools.Create("manifest", compress: true);
        _errorSpool = _spools.Create("errors", compress: true);
        _sumsSpool = _spools.Create("sums", compress: true);
        _streamSpool = _spools.Create("stream", compress: false);
        _paths = new ArchivePathSet(_spools, options.PathKeysInMemory);
        _hasher = new ContentHasher(options.ExtraHashes);
        _manifest = new ManifestWriter(_manifestSpool.Stream);
        _errors = new ManifestWriter(_errorSpool.Stream);
        _sums = new StreamWriter(_sumsSpool.Stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
    }

    /// <summary>Opens the archive on an output (a new file or stdout).</summary>
    public static EvidenceArchiveWriter Create(ArchiveOutput output, EvidenceArchiveOptions options) => new(output, options);

    public long EntryCount => _entryCount;

    public long ErrorCount => _errorCount;

    public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        EnsureWritable();
        var collectedAt = entry.CollectedAt ?? _options.Clock.GetUnixTime();
        var path = entry.Path;
        try
        {
            path = UniquePath(entry.Path); // its spilled keys are in a spool too
            return entry.Content is null
                ? AddRecordOnly(entry, path, collectedAt)
                : await AddWithContentAsync(entry, path, collectedAt, entry.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            // Source errors are handled where they are read; what gets here is the output failing.
            throw Broken($"writing the archive failed at {path}: {ex.Message}", ex);
        }
        finally
        {
            if (entry.Content is not null)
            {
                await entry.Content.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public void RecordError(ErrorRecord error)
    {
        EnsureWritable();
        try
        {
            _errors.Write(error with { At = error.At ?? _options.Clock.GetUnixTime() });
        }
        catch (IOException ex)
        {
            throw Broken($"recording an error failed (the spool beside the archive): {ex.Message}", ex);
        }
        _errorCount++;
        KeepFailure(error.Path ?? error.Scope, error.Message);
    }

    /// <summary>
    /// A spool of the run's kind (a file without a name, or memory under the one budget) for a
    /// collector's held-back content. Thread-safe: it shares only the budget, which is.
    /// </summary>
    public IEvidenceSpool CreateSpool(string name)
    {
        EnsureWritable();
        return _spools.Create(name, compress: false);
    }

    /// <summary>Entries with no bytes: directories, links, devices, fifos, sockets, whiteouts, and failures.</summary>
    private EntryResult AddRecordOnly(ArchiveEntry entry, ArchivePath path, UnixTime collectedAt)
    {
        var m = entry.Metadata;
        var status = entry.Status;
        string? reason = entry.Reason;
        string? hardLinkTo = null;
        string? member = null;
        long offset = _members.Position;
        TarHeader? header = null;
        bool failed = status is EntryStatus.Failed or EntryStatus.Missing or EntryStatus.Absent; // nothing to store
        var memberPath = path;
        if (!failed)
        {
            switch (m.Kind)
            {
                case EntryKind.Directory:
                    header = Header(path, m, collectedAt, TarEntryType.Directory, 0);
                    break;
                case EntryKind.Symlink:
                    header = Header(path, m, collectedAt, TarEntryType.Symlink, 0) with { LinkName = m.LinkTarget ?? [] };
                    break;
                case EntryKind.CharDevice or EntryKind.BlockDevice:
                    header = Header(path, m, collectedAt, m.Kind == EntryKind.CharDevice ? TarEntryType.CharDevice : TarEntryType.BlockDevice, 0)
                        with { DevMajor = m.DeviceMajor ?? 0, DevMinor = m.DeviceMinor ?? 0 };
                    break;
                case EntryKind.Fifo:
                    header = Header(path, m, collectedAt, TarEntryType.Fifo, 0);
                    break;
                case EntryKind.HardLink when entry.HardLinkTarget is { } target && _paths.IsFileMember(target.Value) && _members.SupportsHardLinks:
                    // A second name of a file whose first name is already a member (an export's hard link),
                    // linked to the member name that first name got (MemberNames: the same path, the same name).
                    header = Header(path, m, collectedAt, TarEntryType.HardLink, 0) with { LinkName = Encoding.UTF8.GetBytes(MemberNames.For(target).Value) };
                    hardLinkTo = target.Value;
                    break;
                case EntryKind.HardLink:
                    status = status == EntryStatus.Collected ? EntryStatus.Partial : status;
                    reason = entry.HardLinkTarget is null
                        ? "hard link without a target name"
                        : $"hard link to {entry.HardLinkTarget.Value}, which is not in the archive{(_members.SupportsHardLinks ? "" : " (zip has no hard links)")}";
                    break;
                case EntryKind.Socket:
                    // Tar has no socket type: an empty file whose PAX record says what it was.
                    header = Header(path, m, collectedAt, TarEntryType.Regular, 0) with { ExtraRecords = [new("CFIR.type", "socket")] };
                    break;
                case EntryKind.Whiteout:
                    // Deleted in the writable layer: an OCI-style ".wh.<name>" marker next to where it was.
                    memberPath = WhiteoutPath(path);
                    header = Header(memberPath, m, collectedAt, TarEntryType.Regular, 0) with { ExtraRecords = [new("CFIR.type", "whiteout")] };
                    break;
                default:
                    break; // a file without content: skipped or record-only, manifest line only
            }
        }
        if (header is not null)
        {
            var name = MemberFor(memberPath);
            _members.BeginMember(MemberNames.Apply(header, memberPath, name));
            _members.EndMember();
            member = name.Value;
        }
        if (m.Kind == EntryKind.File && !failed && status == EntryStatus.Collected)
        {
            status = EntryStatus.Skipped; // a file handed over without content was not collected
        }
        WriteManifest(new ManifestRecord
        {
            Path = path,
            Entry = entry,
            Kind = ManifestWriter.KindName(m.Kind),
            Status = status,
            Reason = reason ?? (status == EntryStatus.Skipped && m.Kind == EntryKind.File ? "no content was provided" : null),
            Errno = entry.Errno,
            Member = member,
            HardLinkTo = hardLinkTo,
            StoredSize = header is null ? null : 0,
            CollectedAt = collectedAt,
            HeaderOffset = offset,
        });
        return new EntryResult(path, status, null, 0, reason);
    }

    private async ValueTask<EntryResult> AddWithContentAsync(ArchiveEntry entry, ArchivePath path, UnixTime collectedAt, IEvidenceContent content, CancellationToken cancellationToken)
    {
        var m = entry.Metadata;
        long offset = _members.Position;

        // A further name of a file already stored whole: a hard link, not a second copy.
        if (_members.SupportsHardLinks && m.LinkCount > 1 && m.SourceDevice is { } dev && m.Inode is { } ino &&
            _firstLinks.TryGetValue((dev, ino), out var first))
        {
            var linkName = MemberFor(path);
            var header = Header(path, m, collectedAt, TarEntryType.HardLink, 0) with { LinkName = Encoding.UTF8.GetBytes(first.Member) };
            _members.BeginMember(MemberNames.Apply(header, path, linkName));
            _members.EndMember();
            WriteManifest(new ManifestRecord
            {
                Path = path, Entry = entry, Kind = "hardlink", Status = entry.Status, Reason = entry.Reason, Errno = entry.Errno,
                Member = linkName.Value, StoredSize = 0, HardLinkTo = first.Path, CollectedAt = collectedAt, HeaderOffset = offset,
            });
            return new EntryResult(path, entry.Status, null, 0, entry.Reason);
        }

        if (content.Length is not null)
        {
            return await WriteContentAsync(entry, path, collectedAt, content, null, -1, null, cancellationToken).ConfigureAwait(false);
        }
        return await AddStreamAsync(entry, path, collectedAt, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One member with content of known length: hashed as written, unreadable blocks zero-filled, then its manifest record and sum.</summary>
    private async ValueTask<EntryResult> WriteContentAsync(ArchiveEntry entry, ArchivePath path, UnixTime collectedAt, IEvidenceContent source,
        ContentReadNote? spoolNote, long spooledRead, StreamPart? part, CancellationToken cancellationToken)
    {
        var m = entry.Metadata;
        long offset = _members.Position;
        bool spooled = spooledRead >= 0;
        long length = source.Length!.Value;
        var segments = _members.SupportsSparse ? source.Segments : null;
        var member = MemberFor(path);
        var tarHeader = MemberNames.Apply(Header(path, m, collectedAt, TarEntryType.Regular, length), path, member);
        if (segments is not null)
        {
            tarHeader = tarHeader with { Sparse = segments };
        }

        var hasher = _hasher;
        hasher.Restart(); // an entry before may have ended early (interrupted, the output failed)
        var unreadable = new List<DataSegment>();
        long bytesRead = 0;
        string? stopped = null;   // why the source gave no more bytes; the rest of the entry is zero-filled
        bool interrupted = false;
        _members.BeginMember(tarHeader);
        var ranges = segments ?? [new DataSegment(0, length)];
        long logical = 0;
        foreach (var seg in ranges)
        {
            hasher.AppendZeros(seg.Offset - logical); // a hole reads as zeros: the logical file is hashed
            long pos = seg.Offset;
            while (pos < seg.End)
            {
                if (stopped is not null)
                {
                    AddRange(unreadable, pos, seg.End - pos);
                    WriteZeros(hasher, seg.End - pos);
                    break;
                }
                int want = (int)Math.Min(_buffer.Length, seg.End - pos);
                int got;
                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    got = await source.ReadAsync(pos, _buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // NIST CFTT benign fill: keep what was read, zero the unreadable block, record it, go on.
                    long blockEnd = Math.Min(seg.End, (pos / FillBlock + 1) * FillBlock);
                    AddRange(unreadable, pos, blockEnd - pos);
                    WriteZeros(hasher, blockEnd - pos);
                    pos = blockEnd;
                    continue;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The member is already begun: finish it so the archive stays valid, then stop.
                    interrupted = true;
                    stopped = $"interrupted at byte {pos} of {length}; the rest is zero-filled";
                    continue;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    stopped = $"source failed at byte {pos} of {length} ({ex.Message}); the rest is zero-filled";
                    continue;
                }
                if (got == 0)
                {
                    stopped = $"source ended at byte {pos} of {length} (it shrank while read); the rest is zero-filled";
                    continue;
                }
                var chunk = _buffer.AsSpan(0, got);
                _members.Write(chunk);
                hasher.Append(chunk);
                bytesRead += got;
                pos += got;
            }
            logical = seg.End;
        }
        hasher.AppendZeros(length - logical);
        _members.EndMember();

        var note = await CompleteQuietlyAsync(source).ConfigureAwait(false) ?? spoolNote;
        if (spooled)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            bytesRead = spooledRead;
        }
        var status = entry.Status;
        var reasons = new List<string>();
        if (entry.Reason is not null)
        {
            reasons.Add(entry.Reason);
        }
        if (stopped is not null)
        {
            status = EntryStatusOrder.Worse(status, EntryStatus.Partial);
            reasons.Add(stopped);
        }
        else if (unreadable.Count > 0)
        {
            status = EntryStatusOrder.Worse(status, EntryStatus.Partial);
            reasons.Add($"{unreadable.Count} unreadable range(s) zero-filled");
        }
        if (note is not null)
        {
            status = EntryStatusOrder.Worse(status, note.Status);
            reasons.Add(note.Reason);
        }
        var digests = hasher.Finish();
        bool changed = note?.Reason.Contains("changed while read", StringComparison.Ordinal) == true;
        WriteManifest(new ManifestRecord
        {
            Path = path, Entry = entry, Kind = ManifestWriter.KindName(m.Kind == EntryKind.HardLink ? EntryKind.File : m.Kind),
            Status = status, Reason = reasons.Count == 0 ? null : string.Join("; ", reasons), Errno = entry.Errno ?? note?.Errno,
            Member = member.Value, StoredSize = length, BytesRead = bytesRead, Digests = digests, Segments = segments,
            Unreadable = unreadable, ChangedWhileRead = changed, CollectedAt = collectedAt, HeaderOffset = offset, Part = part,
        });
        _paths.MarkFileMember(path.Value);
        _sums.Write(digests.Sha256);
        _sums.Write("  ");
        _sums.Write(member.Value);
        _sums.Write('\n');
        if (m.LinkCount > 1 && m.SourceDevice is { } d && m.Inode is { } i && status == EntryStatus.Collected &&
            _firstLinks.Count < MaxLinkedFiles)
        {
            _firstLinks.TryAdd((d, i), (path.Value, member.Value));
        }
        if (interrupted)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        return new EntryResult(path, status, digests.Sha256, bytesRead, reasons.Count == 0 ? null : string.Join("; ", reasons));
    }

    /// <summary>The source's closing check; a source that fails here is noted, never allowed to break the archive.</summary>
    private static async ValueTask<ContentReadNote?> CompleteQuietlyAsync(IEvidenceContent source)
    {
        try
        {
            return await source.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new ContentReadNote(EntryStatus.Partial, $"the source's closing check failed: {ex.Message}");
        }
    }

    private void WriteZeros(ContentHasher hasher, long count)
    {
        Array.Clear(_buffer);
        while (count > 0)
        {
            int n = (int)Math.Min(count, _buffer.Length);
            _members.Write(_buffer.AsSpan(0, n));
            hasher.Append(_buffer.AsSpan(0, n));
            count -= n;
        }
    }

    private static void AddRange(List<DataSegment> ranges, long offset, long length)
    {
        if (length <= 0)
        {
            return;
        }
        if (ranges.Count > 0 && ranges[^1].End == offset)
        {
            ranges[^1] = new DataSegment(ranges[^1].Offset, ranges[^1].Length + length);
        }
        else
        {
            ranges.Add(new DataSegment(offset, length));
        }
    }

    private void WriteManifest(ManifestRecord record)
    {
        _manifest.Write(record);
        _entryCount++;
        if (record.Status is EntryStatus.Failed or EntryStatus.Missing or EntryStatus.Partial)
        {
            KeepFailure(record.Path.Value, $"{ManifestWriter.StatusName(record.Status)}: {record.Reason}");
        }
        _statusCounts[record.Status] = _statusCounts.GetValueOrDefault(record.Status) + 1;
    }

    private void KeepFailure(string where, string why)
    {
        if (_firstFailures.Count < FailuresKept)
        {
            _firstFailures.Add($"{where}: {why}");
        }
    }

    private ArchivePath UniquePath(ArchivePath path)
    {
        if (_paths.Add(path.Value))
        {
            return path;
        }
        // Two entries for one name (a file listed twice, an id collision): keep both, never overwrite.
        for (int n = 2; ; n++)
        {
            var candidate = ArchivePath.Parse(path.Value + "~" + n);
            if (_paths.Add(candidate.Value))
            {
                return candidate;
            }
        }
    }

    /// <summary>The member name of a path (<see cref="MemberNames"/>); a short name is kept unique like any other name.</summary>
    private ArchivePath MemberFor(ArchivePath path)
    {
        var member = MemberNames.For(path);
        return ReferenceEquals(member, path) ? path : UniquePath(member);
    }

    private static ArchivePath WhiteoutPath(ArchivePath path)
    {
        int slash = path.Value.LastIndexOf('/');
        return slash < 0
            ? ArchivePath.Parse(ArchiveNames.WhiteoutPrefix + path.Value)
            : ArchivePath.Parse(path.Value[..(slash + 1)] + ArchiveNames.WhiteoutPrefix + path.Value[(slash + 1)..]);
    }

    /// <summary>The seal's header, the one header no hash covers: fixed, so the verifier can rebuild it byte for byte.</summary>
    internal static TarHeader SealHeader(UnixTime endedAt, long length) =>
        Header(ArchiveNames.Seal, new EntryMetadata(), endedAt, TarEntryType.Regular, length);

    /// <summary>SEAL.sig's header, after the seal's and as fixed: the verifier rebuilds it too.</summary>
    internal static TarHeader SignatureHeader(UnixTime endedAt, long length) =>
        Header(ArchiveNames.SealSignature, new EntryMetadata(), endedAt, TarEntryType.Regular, length);

    private static TarHeader Header(ArchivePath path, EntryMetadata m, UnixTime collectedAt, TarEntryType type, long size) => new()
    {
        Name = Encoding.UTF8.GetBytes(path.Value),
        Type = type,
        Mode = (m.Mode ?? (type == TarEntryType.Directory ? 0b111_101_101u : 0b110_100_100u)) & 0xFFF, // permission bits only: the type is the entry type
        Uid = m.Uid ?? 0,
        Gid = m.Gid ?? 0,
        UserName = m.UserName,
        GroupName = m.GroupName,
        Size = size,
        // Source times when the source has them; evidence made by cfir carries its collection time.
        ModifiedTime = m.ModifiedTime ?? collectedAt,
        AccessTime = m.AccessTime,
        ChangeTime = m.ChangeTime,
        ExtendedAttributes = m.ExtendedAttributes,
    };

    /// <summary>
    /// The output failed: nothing more is written. Evidence is never deleted, so a file output's
    /// bytes so far stay under their temporary name, and the message says where.
    /// </summary>
    private ArchiveOutputException Broken(string message, Exception cause)
    {
        _broken = true;
        return new ArchiveOutputException(
            _output.TemporaryPath is { } kept ? $"{message}; the unsealed archive is kept as {kept}" : message, cause);
    }

    private void EnsureWritable()
    {
        if (_sealed)
        {
            throw new InvalidOperationException("the archive is sealed");
        }
        if (_broken)
        {
            throw new ArchiveOutputException("the archive output failed earlier");
        }
    }

    public async ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken)
    {
        EnsureWritable();
        _ = cancellationToken; // sealing runs to the end even after an interruption: an unsealed archive proves nothing
        var none = CancellationToken.None;
        try
        {
            var manifestPath = ArchiveNames.Manifest;
            _members.BeginClosingRecords();
            _manifestSpool.Flush();
            var manifestDigest = await WriteClosingAsync(manifestPath, _manifestSpool.AsContent(), none).ConfigureAwait(false);
            _errorSpool.Flush();
            var errorsDigest = await WriteClosingAsync(ArchiveNames.Errors, _errorSpool.AsContent(), none).ConfigureAwait(false);

            _sums.Write($"{manifestDigest}  {manifestPath.Value}\n{errorsDigest}  {ArchiveNames.Errors.Value}\n");
            _sums.Flush();
            var sumsDigest = await WriteClosingAsync(ArchiveNames.Sha256Sums, _sumsSpool.AsContent(), none).ConfigureAwait(false);

            var endedAt = _options.Clock.GetUnixTime();
            // Partial means evidence that existed was not captured whole; skipped and absent entries
            // are recorded outcomes, not failures (EntryStatus). Verify re-derives this: Verify/SealClaims.
            bool complete = !request.Interrupted && _errorCount == 0 &&
                            _statusCounts.GetValueOrDefault(EntryStatus.Failed) == 0 &&
                            _statusCounts.GetValueOrDefault(EntryStatus.Missing) == 0 &&
                            _statusCounts.GetValueOrDefault(EntryStatus.Partial) == 0;

            using (var prov = _spools.Create("provenance", compress: true))
            {
                CaseUcoWriter.Write(prov.Stream, _sumsSpool, new CaseUcoWriter.Facts(
                    _options.ToolName, _options.ToolVersion, _startedAt, endedAt, complete, request.Provenance));
                prov.Flush();
                await WriteClosingAsync(ArchiveNames.Provenance, prov.AsContent(), none).ConfigureAwait(false);
            }

            long sealOffset = _members.Position;
            var seal = new Dictionary<string, object?>
            {
                [SealFields.Format] = ArchiveNames.FormatVersion,
                [SealFields.Tool] = $"{_options.ToolName} {_options.ToolVersion}",
                [SealFields.Container] = _options.Format switch { ArchiveFormat.Zip => "zip", _ => "pax-tar" },
                [SealFields.SealedBytes] = sealOffset,
                [SealFields.SealedBytesSha256] = _members.CurrentStreamSha256(),
                [SealFields.Sha256SumsSha256] = sumsDigest,
                [SealFields.ManifestSha256] = manifestDigest,
                [SealFields.Entries] = _entryCount,
                [SealFields.Errors] = _errorCount,
                [SealFields.StatusCounts] = _statusCounts.OrderBy(k => k.Key).ToDictionary(k => ManifestWriter.StatusName(k.Key), k => k.Value),
                [SealFields.StartedAt] = _startedAt.ToIso8601(),
                [SealFields.EndedAt] = endedAt.ToIso8601(),
                [SealFields.Complete] = complete,
                [SealFields.Interrupted] = request.Interrupted,
                [SealFields.Interruption] = request.InterruptionReason,
            };
            byte[] sealJson = SealJson.WithSelfHash(JsonSerializer.SerializeToUtf8Bytes(seal, SealJson.Options));
            var (signature, signingFailure) = await SignAsync(sealJson).ConfigureAwait(false);
            _members.BeginMember(SealHeader(endedAt, sealJson.Length));
            _members.Write(sealJson);
            _members.EndMember();
            if (signature is not null)
            {
                _members.BeginMember(SignatureHeader(endedAt, signature.Length));
                _members.Write(signature);
                _members.EndMember();
            }
            _members.Finish();
            string? tarSha = _archiveHash is null ? _members.CurrentStreamSha256() : null; // plain tar: the archive's hash
            long tarLength = _members.Position;
            _members.Dispose();
            await _archiveBytes.FlushAsync(none).ConfigureAwait(false);
            string archiveSha = _archiveHash?.CurrentSha256() ?? tarSha!;
            long archiveLength = _archiveHash?.BytesWritten ?? tarLength;
            _sealed = true;
            await _output.CommitAsync().ConfigureAwait(false);
            if (_output.HashesWrittenBytes)
            {
                // The bytes that reached the file or pipe are the layer's (the ciphertext), known once it finished.
                archiveSha = _output.WrittenSha256()!;
                archiveLength = _output.WrittenBytes;
            }
            return new SealResult(complete, _entryCount, _errorCount, archiveSha, archiveLength, _output.FinalPath, _firstFailures,
                signature is null ? null : _options.SealSigner!.KeyDescription, signingFailure);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw Broken($"sealing the archive failed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The seal's signature, made before the seal is written. A signer that fails (an agent gone,
    /// a key removed from it) does not cost the archive: it is sealed unsigned, and the failure
    /// goes back to the caller.
    /// </summary>
    private async ValueTask<(byte[]? Signature, string? Failure)> SignAsync(byte[] sealJson)
    {
        if (_options.SealSigner is not { } signer)
        {
            return (null, null);
        }
        try
        {
            return (await signer.SignAsync(sealJson, CancellationToken.None).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (null, $"the seal could not be signed with {signer.KeyDescription}: {ex.Message}");
        }
    }

    /// <summary>Writes one of the closing records (never listed in the manifest) and returns its sha256.</summary>
    private async ValueTask<string> WriteClosingAsync(ArchivePath path, IEvidenceContent content, CancellationToken cancellationToken)
    {
        long length = content.Length!.Value;
        var now = _options.Clock.GetUnixTime();
        _members.BeginMember(Header(path, new EntryMetadata(), now, TarEntryType.Regular, length));
        using var hasher = new ContentHasher(ExtraHashes.None);
        long pos = 0;
        while (pos < length)
        {
            int got = await content.ReadAsync(pos, _buffer, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                throw new IOException($"spool for {path} ended at {pos} of {length}");
            }
            _members.Write(_buffer.AsSpan(0, got));
            hasher.Append(_buffer.AsSpan(0, got));
            pos += got;
        }
        _members.EndMember();
        return hasher.Finish().Sha256;
    }

    private static void Quietly(Action close)
    {
        try
        {
            close();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        // After a failure (a full disk, a closed pipe) closing flushes into the same failure: each
        // close is attempted, none may replace the error that ended the run.
        Quietly(_manifest.Dispose);
        Quietly(_errors.Dispose);
        Quietly(_sums.Dispose);
        Quietly(_manifestSpool.Dispose);
        Quietly(_errorSpool.Dispose);
        Quietly(_sumsSpool.Dispose);
        Quietly(_streamSpool.Dispose);
        Quietly(_paths.Dispose);
        _hasher.Dispose();
        if (!_sealed)
        {
            // What was written stays under the temporary name.
            Quietly(_members.Dispose);
            Quietly(() => _archiveHash?.Dispose());
            Quietly(_archiveBytes.Dispose);
        }
        try
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException) when (!_sealed)
        {
        }
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
