using ICSharpCode.SharpZipLib.Zip;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The members of a zip read as a stream, by their local headers (SharpZipLib's
/// ZipInputStream). The reader reads ahead, so a member's offset is not known when it is met;
/// the raw input remembers the hash before every local-header signature instead
/// (<see cref="RawInputStream.ZipCheckpoints"/>), until the seal is met.
/// </summary>
internal sealed class ZipStreamMemberSource(RawInputStream raw) : IMemberSource
{
    private readonly ZipInputStream _zip = new(raw) { IsStreamOwner = false };
    private bool _content;

    public ArchiveMember? Next()
    {
        if (_zip.GetNextEntry() is not { } entry)
        {
            return null;
        }
        string name = entry.Name.TrimEnd('/');
        if (name == ArchiveNames.Seal.Value)
        {
            raw.StopZipCheckpoints();
        }
        string kind = ZipKinds.Of(entry);
        _content = kind == ZipKinds.Regular;
        return new ArchiveMember(name, kind, _content, Offset: null, PrefixSha256: null);
    }

    public int Read(Span<byte> buffer) => _zip.Read(buffer);

    public void Dispose() => _zip.Dispose();
}
