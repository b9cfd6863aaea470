namespace ContainerForensics.Evidence.Reading;

/// <summary>The members of one container format (tar, a zip stream, a zip file), in the order they were written.</summary>
internal interface IMemberSource : IDisposable
{
    /// <summary>The next member, once the current one's data has been read to its end; null after the last.</summary>
    ArchiveMember? Next();

    /// <summary>The current member's data (logical content for tar: sparse holes as zeros); 0 at its end.</summary>
    int Read(Span<byte> buffer);
}
