using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Verify;

/// <summary>
/// <c>cfir verify</c>: reads an archive once, from a file or a pipe, through the archive reader,
/// re-hashes every member, and checks them against the manifest, SHA256SUMS and the seal
/// (docs/evidence-format.md, "Verification"). Memory grows with the number of entries (a path and
/// a digest each), never with their size nor with what follows the archive's end.
/// </summary>
public static class ArchiveVerifier
{
    private const int BufferSize = 1 << 20;

    /// <param name="input">The archive: a file or a pipe, read once from its start.</param>
    /// <param name="zipPassword">For an AES-encrypted zip; such a zip must be a seekable file (zip's decryption needs the central directory).</param>
    /// <param name="signatureCheck">What checks SEAL.sig (ContainerForensics.Sealing); without one a SEAL.sig is only noted.</param>
    public static VerificationReport Verify(Stream input, string? zipPassword = null, ISealSignatureCheck? signatureCheck = null)
    {
        var report = new VerificationReport();
        var state = new State(report, signatureCheck);
        using var reader = new EvidenceArchiveReader(input, new ArchiveReaderOptions
        {
            ZipPassword = zipPassword,
            OnManifestLine = state.OnManifestLine,
            OnProblem = p => report.Add(p.Kind, p.Path, p.Detail),
        });
        report.Format = reader.Format;
        bool zipFile = zipPassword is not null && input.CanSeek;
        var buffer = new byte[BufferSize];
        try
        {
            while (reader.MoveNext())
            {
                var member = reader.Current!;
                state.BeginMember(member);
                int n;
                while ((n = reader.Read(buffer)) > 0)
                {
                    state.Content(buffer.AsSpan(0, n));
                }
                state.EndMember();
            }
        }
        catch (TarFormatException ex)
        {
            report.Add("corrupt", null, $"the tar stream is damaged or cut off: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A damaged archive can make any decoder throw anything (SharpZipLib throws IndexOutOfRange on bad Huffman codes).
            report.Add("corrupt", null, zipFile ? $"the zip cannot be read: {ex.Message}" : $"the archive cannot be read to its end: {ex.Message}");
        }
        report.ArchiveSha256 = reader.ArchiveSha256();
        report.ArchiveBytes = reader.ArchiveBytes;
        state.Finish(reader);
        return report;
    }

    /// <summary>What the single pass has seen so far; the checks that need the whole archive run in Finish.</summary>
    private sealed class State(VerificationReport report, ISealSignatureCheck? signatureCheck)
    {
        private static readonly string[] Closing =
        [
            ArchiveNames.Manifest.Value, ArchiveNames.Errors.Value, ArchiveNames.Sha256Sums.Value, ArchiveNames.Provenance.Value, ArchiveNames.Seal.Value,
        ];

        private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
        private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly List<(string Path, string Sha)> _sums = [];
        private string? _current;
        private long _currentSize;
        private LineParser? _sumsLines; // SHA256SUMS, parsed line by line as it streams
        private bool _afterSeal;
        private bool _signatureSeen;
        private ArchiveMember? _seal;

        public void BeginMember(ArchiveMember member)
        {
            report.Members++;
            if (_afterSeal)
            {
                // Only the seal's signature may follow the seal, once.
                if (member.Name == ArchiveNames.SealSignature.Value && !_signatureSeen)
                {
                    _signatureSeen = true;
                }
                else
                {
                    report.Add("extra", member.Name, "member after the seal");
                }
            }
            _current = member.Name;
            _currentSize = 0;
            if (member.Name == ArchiveNames.Seal.Value)
            {
                _seal = member;
                _afterSeal = true;
            }
            else if (member.Name == ArchiveNames.Sha256Sums.Value)
            {
                _sumsLines = new LineParser(SumsLine, () => report.Add("sums", null, $"a SHA256SUMS line is longer than {LineParser.MaxLine} bytes: not read"));
            }
        }

        public void Content(ReadOnlySpan<byte> data)
        {
            _hash.AppendData(data);
            _currentSize += data.Length;
            _sumsLines?.Feed(data);
        }

        public void EndMember()
        {
            string sha = Convert.ToHexStringLower(_hash.GetHashAndReset());
            _sumsLines?.End();
            _sumsLines = null;
            if (_members.ContainsKey(_current!))
            {
                report.Add("extra", _current, "a second member with the same name");
            }
            _members[_current!] = new Member(sha, _currentSize);
        }

        /// <summary>One manifest line, as the reader hands it over while the manifest streams past (after every member it lists).</summary>
        public void OnManifestLine(ManifestLine line)
        {
            string status = line.Status ?? "";
            report.StatusCounts[status] = report.StatusCounts.GetValueOrDefault(status) + 1;
            if (status == "truncated")
            {
                report.Truncated.Add(line.Path ?? "");
            }
            if (line.Member != true)
            {
                return;
            }
            string memberName = line.MemberPath ?? "";
            _referenced.Add(memberName);
            if (!_members.TryGetValue(memberName, out var member))
            {
                report.Add("missing", memberName, "listed in the manifest, not in the archive");
                return;
            }
            if (line.Sha256 is { } expected && expected != member.Sha256)
            {
                report.Add("modified", memberName, $"sha256 {member.Sha256}, manifest says {expected}");
            }
            // Only files have a size to compare: zip's local headers do not say which members are links or devices.
            if (line.Kind == "file" && line.StoredSize is { } size && size != member.Size)
            {
                report.Add("size", memberName, $"{member.Size} bytes, manifest says {size}");
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

        public void Finish(EvidenceArchiveReader reader)
        {
            bool corrupt = report.Problems.Any(p => p.Kind == "corrupt");
            foreach (var name in Closing.Where(n => !_members.ContainsKey(n)))
            {
                report.Add("missing", name, corrupt ? "not reached: the archive ends early" : "closing record absent");
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
            bool manifestRead = _members.ContainsKey(ArchiveNames.Manifest.Value);
            if (manifestRead)
            {
                foreach (var name in _members.Keys.Where(k => !Closing.Contains(k) && !_referenced.Contains(k) && !(k == ArchiveNames.SealSignature.Value && _signatureSeen)))
                {
                    report.Add("extra", name, "in the archive, not in the manifest");
                }
            }
            report.ManifestEntries = reader.ManifestLines;
            report.ErrorRecords = reader.ErrorLines;
            CheckSeal(reader);
            CheckSignature(reader);
            report.CollectionComplete = SealClaims.Check(reader.Seal, manifestRead, reader.ManifestLines, report.StatusCounts,
                reader.ErrorLines, detail => report.Add("seal", ArchiveNames.Seal.Value, detail));
            _hash.Dispose();
        }

        /// <summary>The seal against the bytes it covers. Its fields' types, and whether it is JSON at all, the reader has reported.</summary>
        private void CheckSeal(EvidenceArchiveReader reader)
        {
            if (reader.SealBytes is not { } sealBytes)
            {
                return;
            }
            if (!SealJson.SelfHashMatches(sealBytes))
            {
                report.Add("seal", ArchiveNames.Seal.Value, "the seal's own sha256 (sealSha256) does not match its content");
            }
            if (reader.Seal is not { } seal)
            {
                return;
            }
            report.SealComplete = seal.Complete;
            report.SealEndedAt = seal.EndedAt?.ToIso8601();
            if (reader.TarTail is { } tail && seal.EndedAt is { } endedAt)
            {
                CheckSealBytes(tail, sealBytes, _signatureSeen ? reader.SignatureBytes : null, endedAt);
            }
            string? actualSha = null;
            if (_seal?.Offset is { } offset)
            {
                if (seal.SealedBytes != offset)
                {
                    report.Add("seal", ArchiveNames.Seal.Value, $"seal says it starts at byte {seal.SealedBytes}, it starts at {offset}");
                }
                actualSha = _seal.PrefixSha256;
            }
            else if (seal.SealedBytes is { } sealedBytes)
            {
                actualSha = reader.PrefixSha256At(sealedBytes);
            }
            if (actualSha is null || actualSha != seal.SealedBytesSha256)
            {
                report.Add("seal", ArchiveNames.Seal.Value, $"the bytes before the seal hash to {actualSha ?? "(not found)"}, the seal says {seal.SealedBytesSha256}");
            }
            if (_members.TryGetValue(ArchiveNames.Sha256Sums.Value, out var sums) && seal.Sha256SumsSha256 != sums.Sha256)
            {
                report.Add("modified", ArchiveNames.Sha256Sums.Value, $"hashes to {sums.Sha256}, the seal says {seal.Sha256SumsSha256}");
            }
            if (_members.TryGetValue(ArchiveNames.Manifest.Value, out var manifest) && seal.ManifestSha256 != manifest.Sha256)
            {
                report.Add("modified", ArchiveNames.Manifest.Value, $"hashes to {manifest.Sha256}, the seal says {seal.ManifestSha256}");
            }
        }

        /// <summary>
        /// No hash covers the seal's own headers, padding and the end-of-archive blocks. The writer
        /// makes them deterministically from the seal's content, so they are rebuilt here and
        /// compared byte for byte: a flipped bit there is found too.
        /// </summary>
        private void CheckSealBytes(byte[] tarTail, byte[] sealJson, byte[]? signature, Core.Evidence.UnixTime endedAt)
        {
            var expected = new MemoryStream();
            using (var tar = new PaxTarWriter(expected, leaveOpen: true))
            {
                tar.BeginEntry(EvidenceArchiveWriter.SealHeader(endedAt, sealJson.Length));
                tar.WriteData(sealJson);
                tar.EndEntry();
                if (signature is not null)
                {
                    tar.BeginEntry(EvidenceArchiveWriter.SignatureHeader(endedAt, signature.Length));
                    tar.WriteData(signature);
                    tar.EndEntry();
                }
                tar.Finish();
            }
            if (!expected.ToArray().AsSpan().SequenceEqual(tarTail))
            {
                report.Add("seal", ArchiveNames.Seal.Value, "the seal's header, padding or the end of the archive differ from what the writer makes");
            }
        }

        /// <summary>
        /// SEAL.sig against the seal, by the check the caller gave (SSH signatures, allowed
        /// signers). Without one, a signature is noted as present and not checked.
        /// </summary>
        private void CheckSignature(EvidenceArchiveReader reader)
        {
            byte[]? signature = _signatureSeen ? reader.SignatureBytes : null;
            string? declared = reader.Acquisition?.Sealing?.SigningKeyFingerprint;
            if (signatureCheck is null)
            {
                if (signature is not null)
                {
                    report.Signature = "SEAL.sig present, not checked";
                }
                else if (declared is not null && reader.SealBytes is not null)
                {
                    report.Add("signature", ArchiveNames.SealSignature.Value, $"the acquisition record says the seal is signed with {declared}, and there is no SEAL.sig");
                }
                return;
            }
            if (reader.SealBytes is not { } seal)
            {
                return; // no seal: that is reported already, and there is nothing a signature could cover
            }
            var verdict = signatureCheck.Check(seal, signature, reader.Seal?.EndedAt?.ToDateTimeOffset(), declared);
            report.Signature = verdict.Signer;
            if (verdict.Problem is { } problem)
            {
                report.Add("signature", ArchiveNames.SealSignature.Value, problem);
            }
        }

        private readonly record struct Member(string Sha256, long Size);
    }
}
