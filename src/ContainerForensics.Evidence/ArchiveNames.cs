using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence;

/// <summary>The names the writer itself gives to the archive's closing records (docs/evidence-format.md).</summary>
public static class ArchiveNames
{
    /// <summary>Version of the evidence format; the acquisition record and the seal carry it.</summary>
    public const string FormatVersion = "cfir-evidence/1.0";

    /// <summary>
    /// Whether a reader of this version reads an archive of <paramref name="format"/>: every
    /// <c>cfir-evidence/1.x</c> (a change an older reader would misread gets a new major version).
    /// </summary>
    public static bool IsReadableFormat(string format) => format.StartsWith("cfir-evidence/1.", StringComparison.Ordinal);

    public static readonly ArchivePath Manifest = ArchivePath.Of("manifest", "manifest.jsonl");

    public static readonly ArchivePath Errors = ArchivePath.Of("manifest", "errors.jsonl");

    public static readonly ArchivePath Sha256Sums = ArchivePath.Of("SHA256SUMS");

    public static readonly ArchivePath Provenance = ArchivePath.Of("manifest", "provenance.jsonld");

    public static readonly ArchivePath Seal = ArchivePath.Of("SEAL.json");

    /// <summary>The prefix that marks a deleted path, as OCI image layers do.</summary>
    public const string WhiteoutPrefix = ".wh.";
}
