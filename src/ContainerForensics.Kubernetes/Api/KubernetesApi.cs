using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;

namespace ContainerForensics.Kubernetes.Api;

/// <summary>
/// The API server, through KubernetesClient's own HTTP pipeline: its handler (CA, client
/// certificate, <c>insecure-skip-tls-verify</c> only when the kubeconfig says so), its credentials
/// (token, token file, exec plugin when allowed) and its TLS server name. cfir asks for paths and
/// keeps the server's bytes: the documents in the archive are never typed models re-serialized
/// (those drop unknown fields and cut nanosecond times); typed models are for decisions only.
/// <para>
/// Every call has the budget <c>--timeout</c>: a hung server costs it once per call. A 429 is
/// retried after its Retry-After while the budget lasts. Errors keep the server's Status
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#api-verbs, Status objects).
/// </para>
/// </summary>
public sealed class KubernetesApi : k8s.Kubernetes
{
    /// <summary>The largest document read whole (one object, one page of a list); larger is a failure, never an unbounded read.</summary>
    public const int MaxDocumentBytes = 64 << 20;

    /// <summary>How much of an error body is read for its Status.</summary>
    private const int MaxErrorBytes = 64 << 10;

    private readonly bool _http2;
    private readonly string? _tlsServerName;
    private long _calls;

    public KubernetesApi(KubernetesClientConfiguration config, TimeSpan callTimeout)
        : base(Prepare(config))
    {
        CallTimeout = callTimeout;
        _http2 = !config.DisableHttp2;
        _tlsServerName = config.TlsServerName;
    }

    public TimeSpan CallTimeout { get; }

    /// <summary>Requests sent so far (retries included), for the acquisition log and the benchmark.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>The budget is ours, per call; the library's whole-client timeout would cut long log streams.</summary>
    private static KubernetesClientConfiguration Prepare(KubernetesClientConfiguration config)
    {
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return config;
    }

    /// <summary>A whole JSON document (an object, a list page, a Status-free answer), within one call budget.</summary>
    public Task<byte[]> GetBytesAsync(string pathAndQuery, CancellationToken cancellationToken) =>
        ReadWholeAsync(HttpMethod.Get, pathAndQuery, null, cancellationToken);

    /// <summary>POST of a JSON body (SelfSubjectReview, SelfSubjectRulesReview) and its answer's bytes.</summary>
    public Task<byte[]> PostBytesAsync(string path, byte[] jsonBody, CancellationToken cancellationToken) =>
        ReadWholeAsync(HttpMethod.Post, path, jsonBody, cancellationToken);

    /// <summary>
    /// A streamed body (a container's log): the headers within one budget, then every read within
    /// one budget of the last (a server that stops sending is an <see cref="ApiTimeoutException"/>).
    /// The caller disposes the stream.
    /// </summary>
    /// <param name="idle">How long a read may wait; <see cref="CallTimeout"/> by default (a watch waits longer: <c>timeoutSeconds</c> and a margin).</param>
    public async Task<Stream> OpenStreamAsync(string pathAndQuery, CancellationToken cancellationToken, TimeSpan? idle = null)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(CallTimeout);
        var response = await SendAsync(HttpMethod.Get, pathAndQuery, null, budget.Token, cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var wait = idle ?? CallTimeout;
            return new IdleTimeoutStream(body, response, wait, () => new ApiTimeoutException("GET", pathAndQuery, wait, "stopped sending"));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<byte[]> ReadWholeAsync(HttpMethod method, string pathAndQuery, byte[]? jsonBody, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(CallTimeout);
        try
        {
            using var response = await SendAsync(method, pathAndQuery, jsonBody, budget.Token, cancellationToken).ConfigureAwait(false);
            long? length = response.Content.Headers.ContentLength;
            if (length > MaxDocumentBytes)
            {
                throw new InvalidDataException($"{method} {pathAndQuery}: the answer is {length} bytes, more than the {MaxDocumentBytes} cfir reads whole");
            }
            await using var body = await response.Content.ReadAsStreamAsync(budget.Token).ConfigureAwait(false);
            return await ReadCappedAsync(body, MaxDocumentBytes, budget.Token, capacity: (int)(length ?? 0)).ConfigureAwait(false)
                ?? throw new InvalidDataException($"{method} {pathAndQuery}: the answer is larger than the {MaxDocumentBytes} bytes cfir reads whole");
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ApiTimeoutException(method.Method, pathAndQuery, CallTimeout);
        }
    }

    /// <summary>
    /// One call with the library's credentials and client; errors become <see cref="ApiCallException"/>
    /// with the server's Status. A 429 waits its Retry-After (1 s when absent) and tries again while
    /// <paramref name="budget"/> lasts.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, byte[]? jsonBody, CancellationToken budget, CancellationToken run)
    {
        while (true)
        {
            using var request = new HttpRequestMessage(method, new Uri(BaseUri, pathAndQuery.TrimStart('/')));
            request.Version = _http2 ? HttpVersion.Version20 : HttpVersion.Version11;
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (jsonBody is not null)
            {
                request.Content = new ByteArrayContent(jsonBody);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            if (Credentials is not null)
            {
                await Credentials.ProcessHttpRequestAsync(request, budget).ConfigureAwait(false);
            }
            if (!string.IsNullOrWhiteSpace(_tlsServerName))
            {
                request.Headers.Host = _tlsServerName; // as the library does: the name its certificate check expects
            }
            Interlocked.Increment(ref _calls);
            HttpResponseMessage response;
            try
            {
                response = await HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, budget).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested && !run.IsCancellationRequested)
            {
                throw new ApiTimeoutException(method.Method, pathAndQuery, CallTimeout);
            }
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                var error = await ErrorOfAsync(method.Method, pathAndQuery, response, budget).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    throw error;
                }
                var wait = RetryAfter(response) ?? TimeSpan.FromSeconds(1);
                try
                {
                    await Task.Delay(wait, budget).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (budget.IsCancellationRequested && !run.IsCancellationRequested)
                {
                    // The server asked for more patience than the budget has left: its 429 is the answer.
                    throw new ApiCallException(error.Method, error.Path, error.StatusCode, error.Reason,
                        $"{error.ServerMessage} (asked to retry after {wait.TotalSeconds:0.###} s; the call budget of {CallTimeout.TotalSeconds:0.###} s ran out)");
                }
            }
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        if (header?.Date is { } date)
        {
            var delay = date - DateTimeOffset.UtcNow;
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }
        return null;
    }

    private static async Task<ApiCallException> ErrorOfAsync(string method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? reason = null;
        string message = response.ReasonPhrase ?? "";
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] bytes = await ReadCappedAsync(body, MaxErrorBytes, cancellationToken, truncate: true).ConfigureAwait(false) ?? [];
            try
            {
                using var status = JsonDocument.Parse(bytes);
                if (status.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (status.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        message = m.GetString() ?? message;
                    }
                    if (status.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                    {
                        reason = r.GetString();
                    }
                }
            }
            catch (JsonException)
            {
                // Not a Status (a proxy's page): its text, cut, is the message.
                message = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 512)).Trim();
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            message = $"{message} (the error body could not be read: {ex.Message})";
        }
        return new ApiCallException(method, path, response.StatusCode, reason, message);
    }

    /// <summary>
    /// The whole stream up to <paramref name="cap"/> bytes; null when it holds more (or its first
    /// <paramref name="cap"/> when <paramref name="truncate"/>). The working buffers are cleared
    /// before they are dropped, and sized by the answer's length when the server gave one, so an
    /// answer that holds a Secret's values leaves one copy, the caller's, which it clears.
    /// </summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream body, int cap, CancellationToken cancellationToken, bool truncate = false, int capacity = 0)
    {
        // Pooled and grown by doubling: thousands of calls a run would otherwise each leave their
        // buffers behind, much of it promoted while the call waits for the server, and the heap
        // would grow with the pod count. Every buffer is cleared before it goes back: a Secret's
        // answer passes through here.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Clamp(capacity, 16 << 10, cap));
        int length = 0;
        try
        {
            while (true)
            {
                int room = Math.Min(buffer.Length, cap) - length;
                if (room == 0 && length >= cap)
                {
                    // Full at the cap: one more byte says whether the answer is larger.
                    if (await body.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0 && !truncate)
                    {
                        return null;
                    }
                    break;
                }
                if (room == 0)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    continue;
                }
                int n = await body.ReadAsync(buffer.AsMemory(length, room), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                length += n;
            }
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>"?a=b&amp;c=d" from pairs whose value is not null, escaped.</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
