namespace ContainerForensics.Bolt;

/// <summary>
/// Something of the database that could not be read. <paramref name="PageId"/> is the file page concerned
/// (null for a meta or an inline bucket's page), <paramref name="Where"/> the bucket path (and key) it was read
/// for, <paramref name="Reason"/> what was wrong.
/// </summary>
public sealed record BoltProblem(ulong? PageId, string Where, string Reason);
