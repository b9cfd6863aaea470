namespace ContainerForensics.Evidence.Compression;

/// <summary>The zstd levels tar.zst takes (<c>--zstd-level</c>), the window the reader allows, and whether libzstd is there.</summary>
public static class ZstdSettings
{
    /// <summary>
    /// 1 by measurement (docs/evidence-format.md, "Compression"): on the benchmark's 1 GiB tar,
    /// level 2 costs about a fifth more CPU for 1.6 % less size, level 3 about 70 % more for 3 %.
    /// </summary>
    public const int DefaultLevel = 1;

    public const int MinLevel = 1;

    /// <summary>19: the last level below zstd's "ultra" ones, whose windows (up to 128 MiB) the reader refuses.</summary>
    public const int MaxLevel = 19;

    /// <summary>
    /// The largest window a frame may ask of the reader, as ZSTD_d_windowLogMax: 2^25 = 32 MiB.
    /// Levels 1–19 use at most 8 MiB (zstd's own -19 too); a frame asking for more is refused
    /// before anything is allocated for it, so a crafted frame cannot make the reader grow.
    /// </summary>
    public const int WindowLogMax = 25;

    /// <summary>Null when libzstd loads (tar.zst can be written and read); else why not.</summary>
    public static string? Unavailable() => LibZstd.Check();
}
