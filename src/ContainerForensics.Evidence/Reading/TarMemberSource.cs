using System.Text;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// The members of a tar stream, read with our PAX reader. The stream is hashed as it goes, but
/// only up to positions the reader has confirmed (<see cref="LaggingHashStream"/>): the seal
/// covers every byte before its header, so that hash must stop exactly there, whatever the
/// reader has read ahead. The seal's own bytes, what follows it (SEAL.sig) and the end blocks
/// stay unhashed and are kept (<see cref="Tail"/>), for a check that rebuilds them.
/// </summary>
internal sealed class TarMemberSource : IMemberSource
{
    private readonly LaggingHashStream _lagging;
    private readonly PaxTarReader _reader;
    private TarEntryType _type;
    private bool _afterSeal; // the seal or a member after it: kept in the tail, not hashed
    private long _sealRead;

    public TarMemberSource(Stream tarStream, bool hash)
    {
        _lagging = new LaggingHashStream(tarStream, hash);
        _reader = new PaxTarReader(_lagging, leaveOpen: true);
    }

    /// <summary>Once the end-of-archive blocks are read: the bytes from the seal's header (or from the last member) to the tar's end.</summary>
    public byte[]? Tail { get; private set; }

    /// <summary>Once the end is read: what the reader had already taken from below past the tar's end (its read-ahead).</summary>
    public byte[] ReadAhead { get; private set; } = [];

    public ArchiveMember? Next()
    {
        var entry = _reader.Next();
        if (entry is null)
        {
            int end = checked((int)(_reader.Position - _lagging.HashedTo));
            Tail = _lagging.Pending[..end].ToArray();
            ReadAhead = _lagging.Pending[end..].ToArray();
            return null;
        }
        string name = Encoding.UTF8.GetString(entry.Header.Name).TrimEnd('/');
        bool isSeal = !_afterSeal && name == ArchiveNames.Seal.Value;
        if (!_afterSeal)
        {
            _lagging.HashUpTo(entry.HeaderOffset, digest: false);
        }
        _afterSeal |= isSeal;
        _type = entry.Header.Type;
        string kind = _type == TarEntryType.HardLink ? "hardlink" : _type.ToString().ToLowerInvariant();
        return new ArchiveMember(name, kind, _type == TarEntryType.Regular, entry.HeaderOffset, isSeal ? _lagging.CurrentDigest() : null);
    }

    public int Read(Span<byte> buffer)
    {
        // Data is read here, never skipped by the reader's next Next(), and hashed as it goes,
        // so the unhashed read-ahead stays small whatever size a header declares.
        int n = _reader.ReadLogical(buffer);
        if (n == 0)
        {
            return 0;
        }
        if (!_afterSeal)
        {
            _lagging.HashUpTo(_reader.Position, digest: false);
        }
        else if ((_sealRead += n) > EvidenceArchiveReader.MaxSealSize)
        {
            // The seal and what follows it stay unhashed in memory until the end: a huge one is not held.
            throw new InvalidDataException("the seal, or what follows it, is implausibly large");
        }
        return n;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _lagging.Dispose();
    }
}
