using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// Parses the archive's own records out of the bytes of their members as they stream past: the
/// manifest and the errors list line by line (never more than one line held, and never a line
/// over <see cref="LineParser.MaxLine"/>), the seal and the acquisition record whole (each
/// capped). Every other member passes untouched.
/// </summary>
internal sealed class RecordTap(ArchiveReaderOptions options, Action<ReaderProblem> problem)
{
    /// <summary>The acquisition record is a few KiB; a larger one than a manifest line may be is not held.</summary>
    private const int MaxAcquisitionRecord = LineParser.MaxLine;

    private static readonly string ManifestName = ArchiveNames.Manifest.Value;
    private static readonly string ErrorsName = ArchiveNames.Errors.Value;
    private static readonly string SealName = ArchiveNames.Seal.Value;
    private static readonly string SignatureName = ArchiveNames.SealSignature.Value;
    private static readonly string AcquisitionName = EvidenceLayout.AcquisitionRecord.Value;

    private string? _member;
    private LineParser? _lines;
    private MemoryStream? _whole;
    private bool _tooLarge;

    /// <summary>Manifest lines met so far, those that could not be read included.</summary>
    public long ManifestLines { get; private set; }

    /// <summary>Error records met so far, those that could not be read included.</summary>
    public long ErrorLines { get; private set; }

    public byte[]? SealBytes { get; private set; }

    /// <summary>SEAL.sig's bytes, once passed; null when the archive has none.</summary>
    public byte[]? SignatureBytes { get; private set; }

    public Seal? Seal { get; private set; }

    public AcquisitionRecordDocument? Acquisition { get; private set; }

    public void Begin(string member)
    {
        End();
        _member = member;
        _tooLarge = false;
        if (member == ManifestName)
        {
            _lines = new LineParser(ReadManifestLine, () => LineTooLong(ManifestName, ++ManifestLines));
        }
        else if (member == ErrorsName)
        {
            _lines = new LineParser(ReadErrorLine, () => LineTooLong(ErrorsName, ++ErrorLines));
        }
        else if (member == SealName || member == AcquisitionName || member == SignatureName)
        {
            _whole = new MemoryStream();
        }
    }

    public void Feed(ReadOnlySpan<byte> data)
    {
        _lines?.Feed(data);
        if (_whole is null || _tooLarge)
        {
            return;
        }
        if ((_member == SealName || _member == SignatureName) && _whole.Length + data.Length > EvidenceArchiveReader.MaxSealSize)
        {
            throw new InvalidDataException($"{_member} is implausibly large");
        }
        if (_whole.Length + data.Length > MaxAcquisitionRecord)
        {
            _tooLarge = true;
            _whole.SetLength(0);
            problem(new ReaderProblem("acquisition", _member, $"longer than {MaxAcquisitionRecord} bytes: not read"));
            return;
        }
        _whole.Write(data);
    }

    /// <summary>The current member's content has ended: its last line, or its whole record, is parsed now. Idempotent.</summary>
    public void End()
    {
        _lines?.End();
        _lines = null;
        if (_whole is not null && !_tooLarge)
        {
            byte[] bytes = _whole.ToArray();
            if (_member == SignatureName)
            {
                SignatureBytes = bytes;
            }
            else if (_member == SealName)
            {
                SealBytes = bytes;
                Seal = Seal.Parse(bytes, (field, detail) => problem(new ReaderProblem("seal", SealName, detail, Field: field)),
                    detail => problem(new ReaderProblem("seal", SealName, detail)));
            }
            else
            {
                Acquisition = AcquisitionRecordDocument.Parse(bytes,
                    (field, detail) => problem(new ReaderProblem("acquisition", AcquisitionName, detail, Field: field)),
                    detail => problem(new ReaderProblem("acquisition", AcquisitionName, detail)));
            }
        }
        _whole = null;
        _member = null;
    }

    private void ReadManifestLine(ReadOnlySpan<byte> json)
    {
        long n = ++ManifestLines;
        var line = options.BriefManifest
            ? ManifestLine.ParseBrief(json, n, why => Unreadable(ManifestName, n, why))
            : ManifestLine.Parse(json, n, (field, detail) => LineProblem(ManifestName, n, field, detail), why => Unreadable(ManifestName, n, why));
        if (line is not null)
        {
            options.OnManifestLine?.Invoke(line);
        }
    }

    private void ReadErrorLine(ReadOnlySpan<byte> json)
    {
        long n = ++ErrorLines;
        var line = ErrorLine.Parse(json, n, (field, detail) => LineProblem(ErrorsName, n, field, detail), why => Unreadable(ErrorsName, n, why));
        if (line is not null)
        {
            options.OnErrorLine?.Invoke(line);
        }
    }

    private void LineProblem(string member, long line, string field, string detail) =>
        problem(new ReaderProblem("manifest", member, $"line {line}: {detail}", line, field));

    private void Unreadable(string member, long line, string why) =>
        problem(new ReaderProblem("manifest", member, $"line {line} cannot be read: {why}", line));

    private void LineTooLong(string member, long line) =>
        problem(new ReaderProblem("manifest", member, $"line {line} is longer than {LineParser.MaxLine} bytes: not read", line));
}
