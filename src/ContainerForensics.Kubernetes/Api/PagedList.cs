using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ContainerForensics.Kubernetes.Api;

/// <summary>
/// A list read in pages (<c>limit</c>/<c>continue</c>, https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks),
/// so memory stays bounded by one page whatever the cluster's size. A <c>410 Gone</c> on a
/// continue token means the snapshot expired: the list starts again from its first page (a new
/// attempt, which the caller records), at most <see cref="MaxAttempts"/> times.
/// </summary>
public static class PagedList
{
    public const int PageSize = 250;

    public const int MaxAttempts = 3;

    /// <param name="path">The collection's path, e.g. /api/v1/pods.</param>
    /// <param name="query">Further parameters (labelSelector, fieldSelector), without limit and continue.</param>
    public static async IAsyncEnumerable<ListPage> ReadAsync(KubernetesApi api, string path, IReadOnlyList<(string Name, string? Value)> query,
        [EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = PageSize)
    {
        for (int attempt = 1; ; attempt++)
        {
            string? token = null;
            int number = 0;
            bool restart = false;
            do
            {
                byte[] bytes;
                try
                {
                    bytes = await api.GetBytesAsync(path + KubernetesApi.Query([.. query, ("limit", KubernetesApi.Number(pageSize)), ("continue", token)]), cancellationToken).ConfigureAwait(false);
                }
                catch (ApiCallException ex) when (ex.IsExpired && token is not null && attempt < MaxAttempts)
                {
                    restart = true;
                    break;
                }
                var page = new ListPage(bytes, JsonDocument.Parse(bytes), ++number, attempt);
                string? next = page.Continue;
                if (next is not null && next == token)
                {
                    page.Dispose();
                    // A server (or something in between) that hands back the token it was given would never end the list.
                    throw new InvalidDataException($"GET {path}: the server answered page {number} with the continue token it was given; the list was not read further");
                }
                token = next;
                yield return page;
            }
            while (token is not null);
            if (!restart)
            {
                yield break;
            }
        }
    }
}
