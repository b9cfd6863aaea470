using System.Text.Json;

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
    /// interruption) is absent.
    /// </summary>
    public static bool? Check(JsonElement? seal, bool manifestRead, long manifestLines, IReadOnlyDictionary<string, long> statusCounts,
        long errorRecords, Action<string> problem)
    {
        bool? interrupted = null;
        if (seal is { } s)
        {
            interrupted = s.TryGetProperty("interrupted", out var i) && i.ValueKind is JsonValueKind.True or JsonValueKind.False ? i.GetBoolean() : null;
            if (interrupted is null)
            {
                problem("'interrupted' is missing or not true/false");
            }
        }
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
        if (seal is not { } sealDoc)
        {
            return derived;
        }

        bool? claimed = sealDoc.TryGetProperty("complete", out var c) && c.ValueKind is JsonValueKind.True or JsonValueKind.False ? c.GetBoolean() : null;
        if (claimed is null)
        {
            problem("'complete' is missing or not true/false");
        }
        else if (derived is { } d && claimed != d)
        {
            problem(d
                ? "the seal says the collection is partial, but the manifest and errors list show nothing failed, missing or partial, no error, and the seal says it was not interrupted"
                : $"the seal says the collection is complete, but it is partial: {string.Join(", ", reasons)}");
        }
        if (Num(sealDoc, "entries") != manifestLines)
        {
            problem($"the manifest has {manifestLines} entries, the seal says {Show(sealDoc, "entries")}");
        }
        if (Num(sealDoc, "errors") != errorRecords)
        {
            problem($"the errors list has {errorRecords} records, the seal says {Show(sealDoc, "errors")}");
        }
        CheckStatusCounts(sealDoc, statusCounts, problem);
        return derived;
    }

    private static void CheckStatusCounts(JsonElement seal, IReadOnlyDictionary<string, long> actual, Action<string> problem)
    {
        if (!seal.TryGetProperty("statusCounts", out var counts) || counts.ValueKind != JsonValueKind.Object)
        {
            problem("'statusCounts' is missing or not an object of counts");
            return;
        }
        var claimed = new Dictionary<string, long>(StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var property in counts.EnumerateObject())
        {
            if (!property.Value.TryGetInt64(out long n))
            {
                differences.Add($"{property.Name}: '{property.Value}' is not a count");
                continue;
            }
            claimed[property.Name] = n;
        }
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

    private static long? Num(JsonElement seal, string name) => seal.TryGetProperty(name, out var v) && v.TryGetInt64(out long x) ? x : null;

    private static string Show(JsonElement seal, string name) => seal.TryGetProperty(name, out var v) ? v.GetRawText() : "nothing";
}
