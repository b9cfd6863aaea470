using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// One archive container format (tar or zip) as the evidence writer drives it: a member
/// header, its bytes, its end. The writer does the hashing and the bookkeeping; this only
/// encodes.
/// </summary>
internal interface IMemberWriter : IDisposable
{
    /// <summary>Bytes of the archive stream so far: what the seal's hash covers (tar: uncompressed; zip: as written).</summary>
    long Position { get; }

    /// <summary>The sha256 of the archive stream so far (the seal's "every byte before it").</summary>
    string CurrentStreamSha256();

    /// <summary>Tar keeps the holes of sparse files; zip stores them expanded.</summary>
    bool SupportsSparse { get; }

    /// <summary>Tar stores a second name of a file as a link; zip stores the content again.</summary>
    bool SupportsHardLinks { get; }

    void BeginMember(TarHeader header);

    void Write(ReadOnlySpan<byte> data);

    void EndMember();

    /// <summary>
    /// What follows is the writer's own closing records (manifest, errors, SHA256SUMS,
    /// provenance, seal): lines of JSON and hex digests, compressed harder where that is cheap.
    /// </summary>
    void BeginClosingRecords();

    /// <summary>Writes the format's trailer and flushes everything below.</summary>
    void Finish();
}
