namespace ContainerForensics.Core.Collection;

/// <summary>What happens to a file larger than <c>--max-file-size</c>; either way it is recorded.</summary>
public enum OversizePolicy
{
    /// <summary>Keep the first max-file-size bytes, mark the entry truncated.</summary>
    Truncate,
    /// <summary>Keep metadata only, mark the entry skipped.</summary>
    Skip,
}
