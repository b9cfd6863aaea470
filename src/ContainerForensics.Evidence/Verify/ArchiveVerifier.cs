using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Evidence.Manifest;
using ContainerForensics.Tar;
using ICSharpCode.SharpZipLib.Zip;

namespace ContainerForensics.Evidence.Verify;

/// <summary>
/// <c>cfir verify</c>: reads an archive once, from a file or a pipe, re-hashes every member,
/// and checks them against the manifest, SHA256SUMS and the seal (docs/evidence-format.md,
/// "Verification"). Memory grows with the number of entries (a path and a digest each), never
/// with their size nor with what follows the archive's end.
/// </summary>
public static class ArchiveVerifier
{
    private const int BufferSize = 1 << 20;

    /// <param name="input">The archive: a file or a pipe, read once from its start.</param>
    /// <param name="zipPassword">For an AES-encrypted zip; such a zip must be a seekable file (zip's decryption needs the central directory).</param>
    public static VerificationReport Verify(Stream input, string? zipPassword = null)
    {
        if (zipPassword is not null && input.CanSeek)
        {
            return VerifyZipFile(input, zipPassword);
        }
        var report = new VerificationReport();
        using var raw = new RawInputStream(input);
        var state = new State(report);
        var buffer = new byte[BufferSize];
        try
        {
            var head = raw.Head;
            if (head.Length >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04)
            {
                report.Format = "zip";
                ReadZip(raw, state);
                CheckZipEnd(raw, report);
            }
            else if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
            {
                raw.StopZipCheckpoints();
                report.Format = "tar.gz";
                using var member = new GzipMemberStream(raw);
                var inside = TrailingData.Scan(ReadTar(member, state), member, TrailingProbe, buffer);
                if (inside.Bytes > 0)
                {
                    report.Add("trailing", null, inside.DescribeInsideGzip());
                }
                if (member.Ended)
                {
                    ReportTrailing(TrailingData.Scan(member.Leftover, raw, long.MaxValue, buffer), afterGzipMember: true, report);
                }
            }
            else
            {
                report.Format = "tar";
                raw.StopZipCheckpoints();
                ReportTrailing(TrailingData.Scan(ReadTar(raw, state), raw, long.MaxValue, buffer), afterGzipMember: false, report);
            }
            // Read to the very end so the archive's own hash covers every byte that arrived
            // (only raw bytes: trailing data inside a gzip member is not inflated to get here).
            while (raw.Read(buffer) > 0)
            {
            }
        }
        catch (TarFormatException ex)
        {
            report.Add("corrupt", null, $"the tar stream is damaged or cut off: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A damaged archive can make any decoder throw anything (SharpZipLib throws IndexOutOfRange on bad Huffman codes).
            report.Add("corrupt", null, $"the archive cannot be read to its end: {ex.Message}");
        }
        report.ArchiveSha256 = raw.Sha256();
        report.ArchiveBytes = raw.Total;
        state.Finish(raw);
        return report;
    }

    /// <summary>
    /// How far past the tar's end-of-archive blocks verify inflates a gzip member to say what is
    /// there: a gzip of zeros inflates a thousandfold, and past the end nothing needs its bytes.
    /// </summary>
    private const long TrailingProbe = 1 << 20;

    private static void ReportTrailing(TrailingData trailing, bool afterGzipMember, VerificationReport report)
    {
        if (trailing.Bytes > 0)
        {
            report.Add("trailing", null, trailing.Describe(afterGzipMember));
        }
    }

    /// <summary>
    /// The zip reader stops at the central directory without reading it; a zip cut inside it
    /// would pass. cfir writes no zip comment, so the end-of-central-directory record
    /// (PK\x05\x06, 22 bytes) must be the very end of the input.
    /// </summary>
    private static void CheckZipEnd(RawInputStream raw, VerificationReport report)
    {
        raw.StopZipCheckpoints();
        var sink = new byte[BufferSize];
        while (raw.Read(sink) > 0)
        {
        }
        var last = raw.LastBytes;
        if (last.Length < 22 || !last[^22..].StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x05, 0x06]))
        {
            report.Add("corrupt", null, "the zip's end-of-central-directory record is missing: the archive is cut off");
        }
    }

    /// <summary>
    /// Reads the tar stream to its end-of-archive blocks and stops there; returns the bytes the
    /// reader had already taken from below past that end (its read-ahead), for whoever looks at
    /// what follows.
    /// </summary>
    private static byte[] ReadTar(Stream tarStream, State state)
    {
        using var lagging = new LaggingHashStream(tarStream);
        using var reader = new PaxTarReader(lagging, leaveOpen: true);
        var buffer = new byte[BufferSize];
        while (true)
        {
            var entry = reader.Next();
            if (entry is null)
            {
                break;
            }
            // Only bytes the reader has confirmed are hashed, so the hash can stop exactly where this entry begins.
            lagging.HashUpTo(entry.HeaderOffset, digest: false);
            string name = Encoding.UTF8.GetString(entry.Header.Name).TrimEnd('/');
            bool isSeal = name == ArchiveNames.Seal.Value;
            if (isSeal)
            {
                state.SealAt(entry.HeaderOffset, lagging.CurrentDigest());
            }
            var kind = entry.Header.Type;
            state.BeginMember(name, kind == TarEntryType.HardLink ? "hardlink" : kind.ToString().ToLowerInvariant());
            // Data is read here, never skipped by the reader's next Next(), and hashed as it
            // goes, so the unhashed read-ahead stays small whatever size a header declares.
            long read = 0;
            int n;
            while ((n = reader.ReadLogical(buffer)) > 0)
            {
                if (kind == TarEntryType.Regular)
                {
                    state.Content(buffer.AsSpan(0, n));
                }
                if (!isSeal)
                {
                    lagging.HashUpTo(reader.Position, digest: false);
                }
                else if ((read += n) > MaxSealSize)
                {
                    throw new InvalidDataException("the seal is implausibly large");
                }
            }
            state.EndMember();
        }
        // The seal's header, content, padding and the end blocks are still unhashed: kept for CheckSealBytes.
        int end = checked((int)(reader.Position - lagging.HashedTo));
        state.TarTail = lagging.Pending[..end].ToArray();
        return lagging.Pending[end..].ToArray();
    }

    /// <summary>The seal is a few hundred bytes of JSON; a larger one is not read into memory.</summary>
    internal const int MaxSealSize = 1 << 20;

    /// <summary>
    /// An encrypted zip, from a file: SharpZipLib decrypts AES only through the central directory
    /// (ZipFile), not in a stream. Members are read in the order they were written; the seal's
    /// prefix hash is taken over the file's first bytes directly.
    /// </summary>
    private static VerificationReport VerifyZipFile(Stream file, string password)
    {
        var report = new VerificationReport { Format = "zip" };
        var state = new State(report);
        using var hashAll = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        try
        {
            using var zip = new ICSharpCode.SharpZipLib.Zip.ZipFile(file, leaveOpen: true) { Password = password };
            var buffer = new byte[BufferSize];
            foreach (var entry in zip.Cast<ZipEntry>().OrderBy(e => e.Offset))
            {
                string name = entry.Name.TrimEnd('/');
                if (name == ArchiveNames.Seal.Value)
                {
                    state.SealAt(entry.Offset, HashPrefix(file, entry.Offset, buffer));
                }
                uint type = (uint)(entry.ExternalFileAttributes >> 16) & 0xF000;
                string kind = entry.IsDirectory ? "directory" : type == 0xA000 ? "symlink" : "regular";
                state.BeginMember(name, kind);
                using (var content = zip.GetInputStream(entry))
                {
                    int n;
                    while ((n = content.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        if (kind == "regular")
                        {
                            state.Content(buffer.AsSpan(0, n));
                        }
                    }
                }
                state.EndMember();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            report.Add("corrupt", null, $"the zip cannot be read: {ex.Message}");
        }
        file.Position = 0;
        var all = new byte[BufferSize];
        int got;
        long total = 0;
        while ((got = file.Read(all, 0, all.Length)) > 0)
        {
            hashAll.AppendData(all, 0, got);
            total += got;
        }
        report.ArchiveSha256 = Convert.ToHexStringLower(hashAll.GetHashAndReset());
        report.ArchiveBytes = total;
        state.Finish(raw: null);
        return report;
    }

    private static string HashPrefix(Stream file, long length, byte[] buffer)
    {
        long keep = file.Position;
        file.Position = 0;
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        long left = length;
        while (left > 0)
        {
            int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
            {
                break;
            }
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        file.Position = keep;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void ReadZip(RawInputStream raw, State state)
    {
        using var zip = new ZipInputStream(raw) { IsStreamOwner = false };
        var buffer = new byte[BufferSize];
        while (zip.GetNextEntry() is { } entry)
        {
            string name = entry.Name.TrimEnd('/');
            if (name == ArchiveNames.Seal.Value)
            {
                state.SealInZip();
                raw.StopZipCheckpoints();
            }
            uint type = (uint)(entry.ExternalFileAttributes >> 16) & 0xF000;
            string kind = entry.IsDirectory ? "directory" : type switch
            {
                0xA000 => "symlink",
                0x2000 => "chardevice",
                0x6000 => "blockdevice",
                0x1000 => "fifo",
                _ => "regular",
            };
            state.BeginMember(name, kind);
            if (kind == "regular")
            {
                int n;
                while ((n = zip.Read(buffer, 0, buffer.Length)) > 0)
                {
                    state.Content(buffer.AsSpan(0, n));
                }
            }
            else
            {
                while (zip.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            state.EndMember();
        }
    }

    /// <summary>What the single pass has seen so far; the checks that need the whole archive run in Finish.</summary>
    private sealed class State(VerificationReport report)
    {
        private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
        private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private string? _current;
        private string _currentKind = "";
        private long _currentSize;
        private MemoryStream? _capture;          // small closing records parsed after they are read
        private LineParser? _lines;              // manifest, errors, SHA256SUMS: parsed line by line as they stream
        private bool _afterSeal;
        private long? _sealOffset;
        private string? _sealPrefixSha;
        private bool _sealInZip;
        private byte[]? _sealJson;
        private JsonElement? _sealDoc;
        private long _manifestLines;
        private long _errorLines;
        private readonly List<(string Path, string Sha)> _sums = [];

        public void BeginMember(string name, string kind)
        {
            report.Members++;
            if (_afterSeal)
            {
                report.Add("extra", name, "member after the seal");
            }
            _current = name;
            _currentKind = kind;
            _currentSize = 0;
            if (name == ArchiveNames.Seal.Value)
            {
                _capture = new MemoryStream();
                _afterSeal = true;
            }
            else if (name == ArchiveNames.Manifest.Value)
            {
                _lines = new LineParser(ManifestLine, () => ManifestLineTooLong());
            }
            else if (name == ArchiveNames.Errors.Value)
            {
                _lines = new LineParser(_ => _errorLines++, () => _errorLines++);
            }
            else if (name == ArchiveNames.Sha256Sums.Value)
            {
                _lines = new LineParser(SumsLine, () => report.Add("sums", null, $"a SHA256SUMS line is longer than {LineParser.MaxLine} bytes: not read"));
            }
        }

        public void Content(ReadOnlySpan<byte> data)
        {
            _hash.AppendData(data);
            _currentSize += data.Length;
            if (_capture is not null)
            {
                if (_capture.Length + data.Length > MaxSealSize)
                {
                    throw new InvalidDataException("the seal is implausibly large");
                }
                _capture.Write(data);
            }
            _lines?.Feed(data);
        }

        public void EndMember()
        {
            string sha = Convert.ToHexStringLower(_hash.GetHashAndReset());
            _lines?.End();
            _lines = null;
            if (_current == ArchiveNames.Seal.Value)
            {
                _sealJson = _capture!.ToArray();
                _capture = null;
            }
            if (_members.ContainsKey(_current!))
            {
                report.Add("extra", _current, "a second member with the same name");
            }
            _members[_current!] = new Member(_currentKind, sha, _currentSize);
        }

        public void SealAt(long offset, string? prefixSha)
        {
            _sealOffset = offset;
            _sealPrefixSha = prefixSha;
        }

        /// <summary>Tar only: the bytes from the seal's first header to the end of the tar stream.</summary>
        public byte[]? TarTail { get; set; }

        /// <summary>The seal was met in a zip read as a stream: its prefix hash comes from the raw stream's checkpoints.</summary>
        public void SealInZip() => _sealInZip = true;

        private void ManifestLine(ReadOnlySpan<byte> line)
        {
            _manifestLines++;
            report.ManifestEntries++;
            try
            {
                CheckManifestLine(line);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                report.Add("manifest", ArchiveNames.Manifest.Value, $"line {_manifestLines} cannot be read: {ex.Message}");
            }
        }

        private void ManifestLineTooLong()
        {
            _manifestLines++;
            report.ManifestEntries++;
            report.Add("manifest", ArchiveNames.Manifest.Value, $"line {_manifestLines} is longer than {LineParser.MaxLine} bytes: not read");
        }

        private void CheckManifestLine(ReadOnlySpan<byte> line)
        {
            using (var doc = JsonDocument.Parse(line.ToArray()))
            {
                var root = doc.RootElement;
                string path = root.TryGetProperty(ManifestFields.Path, out var p) ? p.GetString() ?? "" : "";
                string status = root.TryGetProperty(ManifestFields.Status, out var st) ? st.GetString() ?? "" : "";
                report.StatusCounts[status] = report.StatusCounts.GetValueOrDefault(status) + 1;
                if (status == "truncated")
                {
                    report.Truncated.Add(path);
                }
                bool hasMember = root.TryGetProperty(ManifestFields.Member, out var mem) && mem.ValueKind == JsonValueKind.True;
                if (!hasMember)
                {
                    return;
                }
                string memberName = root.TryGetProperty(ManifestFields.MemberName, out var mn) ? mn.GetString() ?? path : path;
                _referenced.Add(memberName);
                if (!_members.TryGetValue(memberName, out var member))
                {
                    report.Add("missing", memberName, "listed in the manifest, not in the archive");
                    return;
                }
                if (root.TryGetProperty(ManifestFields.Sha256, out var sha) && sha.GetString() is { } expected && expected != member.Sha256)
                {
                    report.Add("modified", memberName, $"sha256 {member.Sha256}, manifest says {expected}");
                }
                // Only files have a size to compare: zip's local headers do not say which members are links or devices.
                bool isFile = root.TryGetProperty(ManifestFields.Kind, out var k) && k.ValueEquals("file");
                if (isFile && root.TryGetProperty(ManifestFields.StoredSize, out var size) && size.TryGetInt64(out long s) && s != member.Size)
                {
                    report.Add("size", memberName, $"{member.Size} bytes, manifest says {s}");
                }
            }
        }

        private void SumsLine(ReadOnlySpan<byte> line)
        {
            string text = Encoding.UTF8.GetString(line);
            int sep = text.IndexOf("  ", StringComparison.Ordinal);
            if (sep != 64)
            {
                report.Add("sums", null, $"malformed SHA256SUMS line: {text}");
                return;
            }
            _sums.Add((text[(sep + 2)..], text[..sep]));
        }

        public void Finish(RawInputStream? raw)
        {
            bool corrupt = report.Problems.Any(p => p.Kind == "corrupt");
            foreach (var name in new[] { ArchiveNames.Manifest, ArchiveNames.Errors, ArchiveNames.Sha256Sums, ArchiveNames.Provenance, ArchiveNames.Seal })
            {
                if (!_members.ContainsKey(name.Value))
                {
                    report.Add("missing", name.Value, corrupt ? "not reached: the archive ends early" : "closing record absent");
                }
            }
            foreach (var (path, sha) in _sums)
            {
                if (!_members.TryGetValue(path, out var m))
                {
                    report.Add("missing", path, "listed in SHA256SUMS, not in the archive");
                }
                else if (m.Sha256 != sha)
                {
                    report.Add("modified", path, $"sha256 {m.Sha256}, SHA256SUMS says {sha}");
                }
            }
            var closing = new HashSet<string>(StringComparer.Ordinal)
            {
                ArchiveNames.Manifest.Value, ArchiveNames.Errors.Value, ArchiveNames.Sha256Sums.Value, ArchiveNames.Provenance.Value, ArchiveNames.Seal.Value,
            };
            if (_members.ContainsKey(ArchiveNames.Manifest.Value))
            {
                foreach (var name in _members.Keys.Where(k => !closing.Contains(k) && !_referenced.Contains(k)))
                {
                    report.Add("extra", name, "in the archive, not in the manifest");
                }
            }
            report.ErrorRecords = _errorLines;
            CheckSeal(raw);
            report.CollectionComplete = SealClaims.Check(_sealDoc, _members.ContainsKey(ArchiveNames.Manifest.Value), _manifestLines, report.StatusCounts,
                _errorLines, detail => report.Add("seal", ArchiveNames.Seal.Value, detail));
            _hash.Dispose();
        }

        private void CheckSeal(RawInputStream? raw)
        {
            if (_sealJson is null)
            {
                return;
            }
            if (!SealJson.SelfHashMatches(_sealJson))
            {
                report.Add("seal", ArchiveNames.Seal.Value, "the seal's own sha256 (sealSha256) does not match its content");
            }
            if (!System.Text.Unicode.Utf8.IsValid(_sealJson))
            {
                // JsonDocument validates string contents only when they are read, and would throw then.
                report.Add("seal", ArchiveNames.Seal.Value, "not UTF-8 text");
                return;
            }
            JsonElement seal;
            try
            {
                seal = JsonDocument.Parse(_sealJson).RootElement;
            }
            catch (JsonException ex)
            {
                report.Add("seal", ArchiveNames.Seal.Value, $"not JSON: {ex.Message}");
                return;
            }
            string? Str(string n) => seal.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long? Num(string n) => seal.TryGetProperty(n, out var v) && v.TryGetInt64(out long x) ? x : null;
            if (Str("format") is not { } format || !format.StartsWith("cfir-evidence/1.", StringComparison.Ordinal))
            {
                report.Add("seal", ArchiveNames.Seal.Value, $"unknown format '{Str("format")}'");
            }
            report.SealComplete = seal.TryGetProperty("complete", out var c) && c.ValueKind is JsonValueKind.True or JsonValueKind.False ? c.GetBoolean() : null;
            report.SealEndedAt = Str("endedAt");
            CheckSealBytes();
            long? sealedBytes = Num("sealedBytes");
            string? sealedSha = Str("sealedBytesSha256");
            string? actualSha = null;
            if (_sealInZip && sealedBytes is { } zb && raw is not null)
            {
                actualSha = raw.ZipCheckpoints.GetValueOrDefault(zb);
            }
            else if (_sealOffset is { } off)
            {
                if (sealedBytes != off)
                {
                    report.Add("seal", ArchiveNames.Seal.Value, $"seal says it starts at byte {sealedBytes}, it starts at {off}");
                }
                actualSha = _sealPrefixSha;
            }
            if (actualSha is null || actualSha != sealedSha)
            {
                report.Add("seal", ArchiveNames.Seal.Value, $"the bytes before the seal hash to {actualSha ?? "(not found)"}, the seal says {sealedSha}");
            }
            if (_members.TryGetValue(ArchiveNames.Sha256Sums.Value, out var sums) && Str("sha256sumsSha256") != sums.Sha256)
            {
                report.Add("modified", ArchiveNames.Sha256Sums.Value, $"hashes to {sums.Sha256}, the seal says {Str("sha256sumsSha256")}");
            }
            if (_members.TryGetValue(ArchiveNames.Manifest.Value, out var manifest) && Str("manifestSha256") != manifest.Sha256)
            {
                report.Add("modified", ArchiveNames.Manifest.Value, $"hashes to {manifest.Sha256}, the seal says {Str("manifestSha256")}");
            }
            _sealDoc = seal;
        }

        /// <summary>
        /// No hash covers the seal's own headers, padding and the end-of-archive blocks. The writer
        /// makes them deterministically from the seal's content, so they are rebuilt here and
        /// compared byte for byte: a flipped bit there is found too.
        /// </summary>
        private void CheckSealBytes()
        {
            if (TarTail is null || _sealJson is null)
            {
                return;
            }
            if (!Core.Evidence.UnixTime.TryParseIso8601(report.SealEndedAt, out var endedAt))
            {
                report.Add("seal", ArchiveNames.Seal.Value, $"endedAt '{report.SealEndedAt}' is not a cfir time");
                return;
            }
            var expected = new MemoryStream();
            using (var tar = new PaxTarWriter(expected, leaveOpen: true))
            {
                tar.BeginEntry(EvidenceArchiveWriter.SealHeader(endedAt, _sealJson.Length));
                tar.WriteData(_sealJson);
                tar.EndEntry();
                tar.Finish();
            }
            if (!expected.ToArray().AsSpan().SequenceEqual(TarTail))
            {
                report.Add("seal", ArchiveNames.Seal.Value, "the seal's header, padding or the end of the archive differ from what the writer makes");
            }
        }

        private readonly record struct Member(string Kind, string Sha256, long Size);
    }
}
