namespace ContainerForensics.Evidence;

/// <summary><c>--format</c>: the container the evidence goes into.</summary>
public enum ArchiveFormat
{
    /// <summary>PAX tar, gzip-compressed (default).</summary>
    TarGz,
    /// <summary>PAX tar, uncompressed: fastest, and `tar` reads it anywhere.</summary>
    Tar,
    /// <summary>Zip64 (SharpZipLib), optionally AES-256: for analysts whose tools need zip.</summary>
    Zip,
    /// <summary>PAX tar, zstd-compressed (libzstd through ZstdNet): smaller and cheaper than tar.gz.</summary>
    TarZst,
}

public static class ArchiveFormats
{
    public static string Extension(ArchiveFormat format) => format switch
    {
        ArchiveFormat.TarGz => ".tar.gz",
        ArchiveFormat.Tar => ".tar",
        ArchiveFormat.Zip => ".zip",
        ArchiveFormat.TarZst => ".tar.zst",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The name <c>--format</c> takes (<c>tar.zst</c>).</summary>
    public static string Name(ArchiveFormat format) => Extension(format)[1..];

    public static bool TryParse(string text, out ArchiveFormat format)
    {
        switch (text.ToLowerInvariant())
        {
            case "tar.gz" or "tgz":
                format = ArchiveFormat.TarGz;
                return true;
            case "tar":
                format = ArchiveFormat.Tar;
                return true;
            case "tar.zst" or "tzst":
                format = ArchiveFormat.TarZst;
                return true;
            case "zip":
                format = ArchiveFormat.Zip;
                return true;
            default:
                format = default;
                return false;
        }
    }
}
