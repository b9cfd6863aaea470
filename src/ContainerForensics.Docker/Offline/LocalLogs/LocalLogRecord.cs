namespace ContainerForensics.Docker.Offline.LocalLogs;

/// <summary>
/// One record of the local log driver: moby's <c>LogEntry</c> protobuf
/// (daemon/logger/internal/logdriver/entry.proto) as the file holds it, and where it was.
/// </summary>
/// <param name="Offset">Where its frame starts in the (decompressed) file.</param>
/// <param name="Source">"stdout" or "stderr" (field 1).</param>
/// <param name="TimeNano">Nanoseconds since the epoch (field 2).</param>
/// <param name="Line">The bytes the container wrote, without the newline (field 3).</param>
/// <param name="Partial">A piece of a longer line (field 4); the metadata says which (field 5).</param>
internal sealed record LocalLogRecord(long Offset, string Source, long TimeNano, byte[] Line, bool Partial, LocalLogPartial? PartialMetadata, IReadOnlyList<KeyValuePair<string, string>> Attributes)
{
    /// <summary>
    /// It ends a line the container wrote: a whole line, or the last piece of a longer one (moby's
    /// local decoder adds the newline there; before Docker 23, commit 990b0e2, not after a last piece).
    /// </summary>
    public bool EndsLine => !Partial || PartialMetadata is { Last: true };
}

/// <summary>PartialLogEntryMetadata: which piece of which line (field 1 last, 2 id, 3 ordinal).</summary>
internal sealed record LocalLogPartial(bool Last, string Id, int Ordinal);
