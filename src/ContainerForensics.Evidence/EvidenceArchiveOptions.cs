namespace ContainerForensics.Evidence;

/// <summary>How the archive is written; filled by the CLI from <c>--format</c>, <c>--hash</c>, <c>--password-file</c>.</summary>
public sealed record EvidenceArchiveOptions
{
    public ArchiveFormat Format { get; init; } = ArchiveFormat.TarGz;

    public ExtraHashes ExtraHashes { get; init; }

    /// <summary>
    /// zlib level for tar.gz. 1 by measurement (docs/evidence-format.md): evidence is dominated by
    /// binaries and already-compressed data, where higher levels cost several times the CPU for a
    /// few percent of size.
    /// </summary>
    public int GzipLevel { get; init; } = 1;

    /// <summary>zstd level for tar.zst (<c>--zstd-level</c>), <see cref="Compression.ZstdSettings"/>: 1 by measurement, as for gzip.</summary>
    public int ZstdLevel { get; init; } = Compression.ZstdSettings.DefaultLevel;

    /// <summary>The level the format compresses at (zip: deflate's), for the acquisition record; null for plain tar.</summary>
    public int? CompressionLevel => Format switch
    {
        ArchiveFormat.TarGz => GzipLevel,
        ArchiveFormat.TarZst => ZstdLevel,
        ArchiveFormat.Zip => Math.Clamp(GzipLevel, 1, 9),
        _ => null,
    };

    /// <summary>Zip only: AES-256 encryption with this password.</summary>
    public string? ZipPassword { get; init; }

    /// <summary>Signs the seal into SEAL.sig (<c>--sign-key</c>); null: the seal is not signed.</summary>
    public ISealSigner? SealSigner { get; init; }

    /// <summary>
    /// Where spools go (manifest, sums, streams of unknown length) as files without a name;
    /// null: in memory, so that nothing is written on the host (<see cref="SpoolMemoryBudget"/>).
    /// </summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>
    /// What the in-memory spools may hold together. 256 MiB of deflated manifest and sums is
    /// about two million entries; a stream is held 16 MiB at a time.
    /// </summary>
    public long SpoolMemoryBudget { get; init; } = DefaultSpoolMemoryBudget;

    public const long DefaultSpoolMemoryBudget = 256L << 20;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Paths of written entries kept in memory before they are spilled to the spool (<see cref="ArchivePathSet"/>); tests lower it.</summary>
    public int PathKeysInMemory { get; init; } = ArchivePathSet.DefaultKeysInMemory;

    /// <summary>When the run began (the acquisition record's start); default: when the writer opened.</summary>
    public Core.Evidence.UnixTime? StartedAt { get; init; }

    /// <summary>
    /// Tar formats: a second destination for the uncompressed tar stream, written in step with
    /// the archive (synchronous writes; a slow tap holds the writer back), for a reader in the
    /// same process, so that it need not read the archive back and decompress it again (collect's
    /// findings summary). Its first failure detaches it without touching the archive. The writer
    /// never completes or disposes it: its owner does, once the seal is written or the run failed.
    /// Zip: not used.
    /// </summary>
    public Stream? StreamTap { get; init; }

    public string ToolName { get; init; } = "cfir";

    public string ToolVersion { get; init; } = "0.0.0";
}
