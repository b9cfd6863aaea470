namespace ContainerForensics.Tar;

/// <summary>
/// Zeros the writer inserts into a sparse entry's stored data where <see cref="GnuSparseMap.Layout"/>
/// widened a segment: after <see cref="At"/> bytes from the caller, <see cref="Count"/> zeros.
/// </summary>
internal readonly record struct ZeroRun(long At, long Count);
