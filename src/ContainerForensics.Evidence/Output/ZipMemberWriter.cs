using System.Text;
using ContainerForensics.Tar;
using ICSharpCode.SharpZipLib.Zip;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// Zip64 through SharpZipLib's streaming writer (works on a pipe), optionally AES-256. Zip has
/// no sparse files, hard links, devices or nanosecond times: sparse files are stored expanded,
/// links and special files as entries whose Unix mode says what they were; the manifest keeps
/// the full metadata either way.
/// </summary>
internal sealed class ZipMemberWriter : IMemberWriter
{
    private const int UnixHost = 3;
    private readonly HashingWriteStream _zipBytes;
    private readonly ZipOutputStream _zip;
    private readonly string? _password;

    public ZipMemberWriter(Stream output, string? password, int level)
    {
        _zipBytes = new HashingWriteStream(output, leaveOpen: true);
        _zip = new ZipOutputStream(_zipBytes, 1 << 16) { IsStreamOwner = false, UseZip64 = UseZip64.Dynamic };
        _zip.SetLevel(level);
        _password = password;
        if (password is not null)
        {
            _zip.Password = password;
        }
    }

    public long Position => _zipBytes.BytesWritten;

    public bool SupportsSparse => false;

    public bool SupportsHardLinks => false;

    public string CurrentStreamSha256() => _zipBytes.CurrentSha256();

    public void BeginMember(TarHeader header)
    {
        string name = Encoding.UTF8.GetString(header.Name);
        uint typeBits = header.Type switch
        {
            TarEntryType.Directory => 0x4000,
            TarEntryType.Symlink => 0xA000,
            TarEntryType.CharDevice => 0x2000,
            TarEntryType.BlockDevice => 0x6000,
            TarEntryType.Fifo => 0x1000,
            _ => 0x8000,
        };
        if (header.Type == TarEntryType.Directory && !name.EndsWith('/'))
        {
            name += "/";
        }
        byte[]? inline = header.Type is TarEntryType.Symlink or TarEntryType.HardLink ? header.LinkName : null;
        var entry = new ZipEntry(name)
        {
            HostSystem = UnixHost,
            ExternalFileAttributes = (int)((typeBits | (header.Mode & 0xFFF)) << 16),
            DateTime = header.ModifiedTime.ToDateTimeOffset().UtcDateTime,
            Size = header.Type == TarEntryType.Regular ? header.Size : inline?.Length ?? 0,
            CompressionMethod = header.Type == TarEntryType.Regular ? CompressionMethod.Deflated : CompressionMethod.Stored,
            IsUnicodeText = true,
        };
        var unixTimes = new ZipExtraData();
        var ext = new ExtendedUnixData
        {
            ModificationTime = header.ModifiedTime.ToDateTimeOffset().UtcDateTime,
            Include = ExtendedUnixData.Flags.ModificationTime,
        };
        unixTimes.AddEntry(ext);
        entry.ExtraData = unixTimes.GetEntryData();
        if (_password is not null)
        {
            entry.AESKeySize = 256;
        }
        _zip.PutNextEntry(entry);
        if (inline is not null)
        {
            _zip.Write(inline);
        }
    }

    public void Write(ReadOnlySpan<byte> data) => _zip.Write(data);

    public void EndMember() => _zip.CloseEntry();

    /// <summary>Every zip member is deflated at the archive's level; the closing records too.</summary>
    public void BeginClosingRecords()
    {
    }

    public void Finish()
    {
        _zip.Finish();
        _zip.Flush();
        _zipBytes.Flush();
    }

    public void Dispose()
    {
        _zip.Dispose();
        _zipBytes.Dispose();
    }
}
