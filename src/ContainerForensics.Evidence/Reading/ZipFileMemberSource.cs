using System.Security.Cryptography;
using ICSharpCode.SharpZipLib.Zip;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The members of an encrypted zip file. SharpZipLib decrypts AES only through the central
/// directory (ZipFile), not in a stream, so such a zip must be a seekable file. Members are
/// taken in the order they were written (by offset), and the seal's prefix hash is taken over the
/// file's first bytes directly.
/// </summary>
internal sealed class ZipFileMemberSource : IMemberSource
{
    private readonly Stream _file;
    private readonly ZipFile _zip;
    private readonly IEnumerator<ZipEntry> _entries;
    private readonly bool _hash;
    private Stream? _content;

    public ZipFileMemberSource(Stream file, string password, bool hash)
    {
        _file = file;
        _hash = hash;
        _zip = new ZipFile(file, leaveOpen: true) { Password = password };
        _entries = _zip.Cast<ZipEntry>().OrderBy(e => e.Offset).ToList().GetEnumerator();
    }

    public ArchiveMember? Next()
    {
        _content?.Dispose();
        _content = null;
        if (!_entries.MoveNext())
        {
            return null;
        }
        var entry = _entries.Current;
        string name = entry.Name.TrimEnd('/');
        string? prefix = _hash && name == ArchiveNames.Seal.Value ? HashPrefix(_file, entry.Offset) : null;
        string kind = ZipKinds.Of(entry);
        _content = _zip.GetInputStream(entry);
        return new ArchiveMember(name, kind, kind == ZipKinds.Regular, entry.Offset, prefix);
    }

    public int Read(Span<byte> buffer) => _content?.Read(buffer) ?? 0;

    /// <summary>The sha256 of the file's first <paramref name="length"/> bytes; the file's position is left where it was.</summary>
    internal static string HashPrefix(Stream file, long length)
    {
        long keep = file.Position;
        file.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
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

    public void Dispose()
    {
        _content?.Dispose();
        _entries.Dispose();
        _zip.Close();
    }
}
