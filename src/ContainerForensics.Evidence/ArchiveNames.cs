using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence;

/// <summary>The names the writer itself gives to the archive's closing records (docs/evidence-format.md).</summary>
public static class ArchiveNames
{
    /// <summary>
    /// Version of the evidence format; the acquisition record and the seal carry it. 1.1 added
    /// SEAL.sig, the seal's signature, which may follow the seal.
    /// </summary>
    public const string FormatVersion = "cfir-evidence/1.1";

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

    /// <summary>The seal's signature (<c>--sign-key</c>): an armored SSH signature over SEAL.json's bytes, the one member after the seal.</summary>
    public static readonly ArchivePath SealSignature = ArchivePath.Of("SEAL.sig");

    /// <summary>The prefix that marks a deleted path, as OCI image layers do.</summary>
    public const string WhiteoutPrefix = ".wh.";
}
