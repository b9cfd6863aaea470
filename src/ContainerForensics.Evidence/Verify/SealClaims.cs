using ContainerForensics.Evidence.Reading;

namespace ContainerForensics.Evidence.Verify;

/// <summary>
/// What the seal says about the collection, held against what the archive itself holds. The
/// seal's self-hash is unkeyed, so anyone can edit the seal and recompute it: its
/// <c>complete</c>, <c>statusCounts</c>, <c>entries</c> and <c>errors</c> are claims, and the
/// completeness verify reports is derived from the manifest and errors list it has just read,
/// by the writer's rule (EvidenceArchiveWriter.SealAsync): complete only when no entry is
/// failed, missing or partial, no error was recorded and the run was not interrupted
/// (skipped and absent entries leave it complete).
/// </summary>
internal static class SealClaims
{
    /// <summary>Statuses that make a collection partial.</summary>
    private static readonly string[] Incomplete = ["failed", "missing", "partial"];

    /// <summary>
    /// Checks the seal's claims and returns the derived completeness: null when the manifest
    /// was not read, or when nothing says partial and the seal (the only record of an
    /// interruption) is absent. A claim the seal lacks or holds as the wrong type is not checked
    /// here: the reader has reported it already.
    /// </summary>
    public static bool? Check(Seal? seal, bool manifestRead, long manifestLines, IReadOnlyDictionary<string, long> statusCounts,
        long errorRecords, Action<string> problem)
    {
        bool? interrupted = seal?.Interrupted;
        if (!manifestRead)
        {
            return null;
        }

        var reasons = Incomplete.Where(st => statusCounts.GetValueOrDefault(st) > 0).Select(st => $"{statusCounts[st]} {st}").ToList();
        if (errorRecords > 0)
        {
            reasons.Add(errorRecords == 1 ? "1 error record" : $"{errorRecords} error records");
        }
        if (interrupted == true)
        {
            reasons.Add("interrupted");
        }
        bool? derived = reasons.Count > 0 ? false : interrupted is null ? null : true;
        if (seal is null)
        {
            return derived;
        }

        if (seal.Complete is { } claimed && derived is { } d && claimed != d)
        {
            problem(d
                ? "the seal says the collection is partial, but the manifest and errors list show nothing failed, missing or partial, no error, and the seal says it was not interrupted"
                : $"the seal says the collection is complete, but it is partial: {string.Join(", ", reasons)}");
        }
        if (seal.Entries != manifestLines)
        {
            problem($"the manifest has {manifestLines} entries, the seal says {Show(seal.Entries)}");
        }
        if (seal.Errors != errorRecords)
        {
            problem($"the errors list has {errorRecords} records, the seal says {Show(seal.Errors)}");
        }
        if (seal.StatusCounts is { } counts)
        {
            CheckStatusCounts(counts, statusCounts, problem);
        }
        return derived;
    }

    private static void CheckStatusCounts(IReadOnlyDictionary<string, long> claimed, IReadOnlyDictionary<string, long> actual, Action<string> problem)
    {
        var differences = new List<string>();
        // The writer lists only statuses that occurred; a zero it did not write is no difference.
        foreach (var status in claimed.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            long has = actual.GetValueOrDefault(status);
            long says = claimed.GetValueOrDefault(status);
            if (has != says)
            {
                differences.Add($"{status}: the manifest has {has}, the seal says {says}");
            }
        }
        if (differences.Count > 0)
        {
            problem($"statusCounts disagree with the manifest ({string.Join("; ", differences)})");
        }
    }

    private static string Show(long? claim) => claim?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing readable";
}
