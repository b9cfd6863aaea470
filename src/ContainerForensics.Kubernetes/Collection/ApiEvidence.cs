using System.Globalization;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Kubernetes.Api;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// API documents as evidence, each inside its own failure boundary: the server's bytes as an
/// entry, or an entry that says why not. A 403 names the call, the identity cfir used and the
/// server's words (which name the verb, resource and namespace); a 404 is an absent object; a
/// hung server is a failed entry after <c>--timeout</c>. The run goes on in every case.
/// </summary>
public sealed class ApiEvidence(KubernetesApi api, string endpoint)
{
    private string _identity = "the kubeconfig's user";

    public KubernetesApi Api => api;

    /// <summary>Who cfir is to the server (SelfSubjectReview's username and groups when known), for 403 records.</summary>
    public string Identity
    {
        get => Volatile.Read(ref _identity);
        set => Volatile.Write(ref _identity, value);
    }

    /// <summary>For the manifest: which server and call.</summary>
    public string Describe(string method, string pathAndQuery) => $"kubernetes {endpoint} {method} {pathAndQuery}";

    /// <summary>
    /// One object or document by GET. Returns its bytes when collected, null otherwise (the entry
    /// then says why). <paramref name="absentReason"/> words a 404 ("the pod references it but it does not exist").
    /// </summary>
    public async Task<byte[]?> AddDocumentAsync(IEvidenceSink sink, EvidenceSection section, string name, string path, CancellationToken cancellationToken,
        string absentReason = "the API server has no such object (404)")
    {
        try
        {
            byte[] bytes = await api.GetBytesAsync(path, cancellationToken).ConfigureAwait(false);
            await sink.AddAsync(EvidenceItem.Json(section, name, bytes, Describe("GET", path)), cancellationToken).ConfigureAwait(false);
            return bytes;
        }
        catch (Exception ex) when (IsApiFailure(ex))
        {
            await sink.AddAsync(Failure(section, name, "GET", path, ex, absentReason), cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// A whole list, page by page (<see cref="PagedList"/>): one entry <c>NAME.json</c> when it fits
    /// one page, else <c>NAME.page-0001.json</c>, ...; pages of a list restarted after a 410 carry
    /// the attempt (<c>NAME.attempt-2.page-0001.json</c>) and the restart is recorded. Each item
    /// is handed to <paramref name="onItem"/> (for decisions) before the page is released.
    /// Returns whether the whole list was read.
    /// </summary>
    public async Task<bool> AddListAsync(IEvidenceSink sink, EvidenceSection section, string name, string path, IReadOnlyList<(string Name, string? Value)> query,
        Action<JsonElement>? onItem, CancellationToken cancellationToken)
    {
        string described = path + KubernetesApi.Query([.. query]);
        bool multi = false;
        int lastAttempt = 1;
        try
        {
            await foreach (var page in PagedList.ReadAsync(api, path, query, cancellationToken).ConfigureAwait(false))
            {
                using (page)
                {
                    if (page.Attempt != lastAttempt)
                    {
                        lastAttempt = page.Attempt;
                        sink.RecordError($"{described}: the server expired the list's continue token (410 Gone) after earlier pages were stored; the list was read again from its start (attempt {page.Attempt}): objects may appear in both attempts", path: name);
                    }
                    multi |= page.Number > 1 || page.Continue is not null || page.Attempt > 1;
                    string entry = !multi ? name + ".json"
                        : page.Attempt == 1 ? $"{name}.page-{page.Number.ToString("D4", CultureInfo.InvariantCulture)}.json"
                        : $"{name}.attempt-{page.Attempt.ToString(CultureInfo.InvariantCulture)}.page-{page.Number.ToString("D4", CultureInfo.InvariantCulture)}.json";
                    await sink.AddAsync(EvidenceItem.Json(section, entry, page.Bytes, Describe("GET", described) + $" (page {page.Number}{(page.Attempt > 1 ? $", attempt {page.Attempt}" : "")})"), cancellationToken).ConfigureAwait(false);
                    if (onItem is not null)
                    {
                        foreach (var item in page.Items)
                        {
                            onItem(item);
                        }
                    }
                }
            }
            return true;
        }
        catch (Exception ex) when (IsApiFailure(ex) || ex is JsonException)
        {
            await sink.AddAsync(Failure(section, name + ".json", "GET", described, ex, "the API server has no such list (404)"), cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>The entry for a call that failed: absent for a 404, failed otherwise, with who asked for 403.</summary>
    public EvidenceItem Failure(EvidenceSection section, string name, string method, string path, Exception ex, string absentReason)
    {
        var (status, reason) = ex switch
        {
            ApiCallException { IsNotFound: true } => (EntryStatus.Absent, absentReason),
            ApiCallException { IsForbidden: true } => (EntryStatus.Failed, $"forbidden to {Identity}: {ex.Message}"),
            _ => (EntryStatus.Failed, ex.Message),
        };
        return new EvidenceItem
        {
            Section = section,
            Name = name,
            Status = status,
            Reason = reason,
            Source = new EvidenceSource { Description = Describe(method, path) },
        };
    }

    /// <summary>What a call to the API server can end with, short of cancellation: recorded, never thrown past one entry.</summary>
    public static bool IsApiFailure(Exception ex) =>
        ex is ApiCallException or ApiTimeoutException or HttpRequestException or InvalidDataException or IOException;
}
