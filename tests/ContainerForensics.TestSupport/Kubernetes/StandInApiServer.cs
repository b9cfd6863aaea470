using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// A stand-in Kubernetes API server for tests: Kestrel on a loopback port, HTTPS only, HTTP/1.1
/// and HTTP/2 by ALPN, speaking the real wire protocol (https://kubernetes.io/docs/reference/using-api/api-concepts/)
/// for what a forensic collector reads: discovery, GET of objects and lists (limit/continue,
/// label and field selectors), watches of them, pod logs, SelfSubjectReview and SelfSubjectRulesReview, with
/// Status errors shaped as the real server's. Requests authenticate with the bearer
/// <see cref="Token"/> or a client certificate from <see cref="IssueClientCertificate"/>, else 401.
/// Faults (<see cref="StandInCluster.Faults"/>) and <see cref="Hook"/> let a test script failures;
/// real clients (kubectl) are pointed at it to prove it faithful.
/// </summary>
public sealed class StandInApiServer : IAsyncDisposable
{
    private static readonly object UserKey = new();

    private readonly WebApplication _app;
    private readonly StandInCertificateAuthority _ca;
    private readonly X509Certificate2 _serverCertificate;
    private readonly StandInOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly List<StandInRequest> _requests = [];
    private Func<HttpContext, Task<bool>>? _hook;
    private int _disposed;

    private StandInApiServer(StandInCluster cluster, StandInOptions options, StandInCertificateAuthority ca, X509Certificate2 serverCertificate, WebApplication app)
    {
        Cluster = cluster;
        _options = options;
        _ca = ca;
        _serverCertificate = serverCertificate;
        _app = app;
        Token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        BaseUri = new Uri("https://127.0.0.1/");
    }

    public StandInCluster Cluster { get; }

    /// <summary>https://127.0.0.1:PORT/</summary>
    public Uri BaseUri { get; private set; }

    /// <summary>The bearer token the server accepts (as the user <see cref="StandInCluster.User"/>).</summary>
    public string Token { get; }

    /// <summary>The PEM of the test CA that signed the serving certificate and the client certificates.</summary>
    public string CaCertificatePem => _ca.CertificatePem;

    /// <summary>A snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<StandInRequest> Requests
    {
        get { lock (_lock) { return [.. _requests]; } }
    }

    /// <summary>
    /// Runs first for every request, after authentication is known (<see cref="UserOf"/>) and
    /// before anything else, 401 included; return true when it answered the request itself.
    /// </summary>
    public Func<HttpContext, Task<bool>>? Hook
    {
        get => Volatile.Read(ref _hook);
        set => Volatile.Write(ref _hook, value);
    }

    /// <summary>Starts a server for <paramref name="cluster"/> on a free loopback port.</summary>
    public static async Task<StandInApiServer> StartAsync(StandInCluster cluster, StandInOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        options ??= new StandInOptions();
        var ca = new StandInCertificateAuthority(options.TimeProvider.GetUtcNow());
        var serverCertificate = ca.IssueServerCertificate();
        // The real server lists its client CA in the TLS CertificateRequest; Go clients (kubectl)
        // offer their certificate only when its issuer is in that list or the list is empty.
        var certificateContext = SslStreamCertificateContext.Create(serverCertificate, null, offline: true,
            SslCertificateTrust.CreateForX509Collection(new X509Certificate2Collection(X509Certificate2.CreateFromPem(ca.CertificatePem)), sendTrustInHandshake: true));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificateContext,
                    // Asked for, not required: which certificates count is decided per request (401), as the real authenticator does.
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }),
            });
        }));
        var app = builder.Build();
        var server = new StandInApiServer(cluster, options, ca, serverCertificate, app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.BaseUri = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority) + "/");
        return server;
    }

    /// <summary>A client certificate (CN <paramref name="user"/>, O each group) signed by the server's CA.</summary>
    public StandInClientCertificate IssueClientCertificate(string user, params string[] groups) => _ca.IssueClientCertificate(user, groups);

    /// <summary>
    /// Writes a kubeconfig for this server into <paramref name="dir"/> and returns its path
    /// (the token file, when asked for, goes beside it).
    /// </summary>
    public string WriteKubeconfig(string dir, KubeconfigOptions? options = null)
    {
        options ??= new KubeconfigOptions();
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, options.FileName);
        string? token = null;
        string? tokenFile = null;
        StandInClientCertificate? certificate = null;
        switch (options.Credential)
        {
            case KubeconfigCredential.Token:
                token = options.Token ?? Token;
                break;
            case KubeconfigCredential.TokenFile:
                tokenFile = path + ".token";
                File.WriteAllText(tokenFile, options.Token ?? Token);
                break;
            case KubeconfigCredential.ClientCertificate:
                var user = Cluster.User;
                certificate = options.ClientCertificate
                    ?? IssueClientCertificate(user.Username, [.. user.Groups.Where(g => g != "system:authenticated")]);
                break;
        }
        File.WriteAllText(path, KubeconfigWriter.Render(BaseUri, CaCertificatePem, options, token, tokenFile, certificate));
        return path;
    }

    /// <summary>Who a request authenticated as (for hooks), or null when it did not.</summary>
    public static StandInUser? UserOf(HttpContext context) => context.Items.TryGetValue(UserKey, out var u) ? u as StandInUser : null;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Hung and stalled answers end first (their connections are cut), so stopping only waits for real work.
        await _stopping.CancelAsync();
        using (var timeout = new CancellationTokenSource(_options.ShutdownTimeout))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Whatever was still open has been aborted.
            }
        }
        await _app.DisposeAsync();
        _serverCertificate.Dispose();
        _ca.Dispose();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var user = Authenticate(ctx);
        ctx.Items[UserKey] = user;
        var request = new StandInRequest(ctx.Request.Method, ctx.Request.Path.Value ?? "/", ctx.Request.QueryString.Value?.TrimStart('?') ?? "",
            user?.Username, ctx.Request.Protocol, ctx.Request.Headers.Accept.ToString() is { Length: > 0 } a ? a : null, _options.TimeProvider.GetUtcNow());
        lock (_lock)
        {
            _requests.Add(request);
        }
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
        try
        {
            if (Hook is { } hook && await hook(ctx))
            {
                request.StatusCode = ctx.Response.StatusCode;
                return;
            }
            if (user is null)
            {
                await KubeStatus.Unauthorized().WriteAsync(ctx);
                request.StatusCode = ctx.Response.StatusCode;
                return;
            }
            string path = request.Path;
            var faults = Cluster.Faults;
            if (faults.Hangs(path))
            {
                await Task.Delay(Timeout.Infinite, cut.Token);
            }
            if (faults.DelayFor(path) is { } delay && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _options.TimeProvider, cut.Token);
            }
            if (faults.TakeThrottle(path) is { } retryAfter)
            {
                await KubeStatus.TooManyRequests(retryAfter).WriteAsync(ctx);
            }
            else if (faults.StallAfter(path) is { } afterBytes)
            {
                await StallAsync(ctx, user, afterBytes, cut.Token);
            }
            else
            {
                await RouteAsync(ctx, user);
            }
            request.StatusCode = ctx.Response.StatusCode;
        }
        catch (OperationCanceledException) when (cut.IsCancellationRequested)
        {
            // The client gave up or the server is stopping: cut the exchange instead of
            // finishing it, so no client mistakes it for a complete answer.
            ctx.Abort();
        }
    }

    /// <summary>The real answer's headers and first bytes, then silence: a stream that stops mid-body.</summary>
    private async Task StallAsync(HttpContext ctx, StandInUser user, int afterBytes, CancellationToken cut)
    {
        var real = ctx.Response.Body;
        using var buffer = new MemoryStream();
        ctx.Response.Body = buffer;
        try
        {
            await RouteAsync(ctx, user);
        }
        finally
        {
            ctx.Response.Body = real;
        }
        await real.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)Math.Min(afterBytes, buffer.Length)), cut);
        await real.FlushAsync(cut);
        await Task.Delay(Timeout.Infinite, cut);
    }

    /// <summary>
    /// x509 first, then the bearer token, as the real union authenticator orders them
    /// (https://kubernetes.io/docs/reference/access-authn-authz/authentication/). A certificate of
    /// another CA, or a wrong token, authenticates nobody.
    /// </summary>
    private StandInUser? Authenticate(HttpContext ctx)
    {
        if (ctx.Connection.ClientCertificate is { } certificate && _ca.Identify(certificate) is { } identity)
        {
            return new StandInUser(identity.User, null, [.. identity.Groups, "system:authenticated"]);
        }
        string authorization = ctx.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(authorization[Bearer.Length..].Trim()), System.Text.Encoding.UTF8.GetBytes(Token)))
        {
            return Cluster.User;
        }
        return null;
    }

    /// <summary>
    /// Whether the URL's shape fits the resource: a namespace exactly when it is namespaced (or a
    /// list across all namespaces), and of subresources only status (the object) and pods' log.
    /// </summary>
    private static bool Served(ApiResource resource, ResourcePath target)
    {
        bool scopeFits = resource.Namespaced ? target.Namespace is not null || target.Name is null : target.Namespace is null;
        return scopeFits && target.Subresource switch
        {
            null or "status" => true,
            "log" => resource is { Group: "", Name: "pods" },
            _ => false,
        };
    }

    private async Task RouteAsync(HttpContext ctx, StandInUser user)
    {
        string path = ctx.Request.Path.Value ?? "/";
        var catalog = Cluster.Catalog;
        bool get = HttpMethods.IsGet(ctx.Request.Method);
        byte[]? discovery = !get ? null : path.TrimEnd('/') switch
        {
            "/version" => DiscoveryDocuments.Version(_options.GitVersion, new DateTimeOffset(2025, 4, 22, 16, 2, 27, TimeSpan.Zero)),
            "/api" => DiscoveryDocuments.CoreVersions(BaseUri.Authority),
            "/apis" => DiscoveryDocuments.GroupList(catalog),
            "/api/v1" => DiscoveryDocuments.ResourceList(catalog, "", "v1"),
            var p when p.Split('/') is ["", "apis", var g] => DiscoveryDocuments.Group(catalog, g),
            var p when p.Split('/') is ["", "apis", var g, var v] => DiscoveryDocuments.ResourceList(catalog, g, v),
            _ => null,
        };
        if (discovery is not null)
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(discovery, ctx.RequestAborted);
            return;
        }
        if (get && path is "/healthz" or "/livez" or "/readyz")
        {
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
            return;
        }

        var target = ResourcePath.Parse(path);
        var resource = target is null ? null : catalog.ForPath(target.Group, target.Version, target.Resource);
        if (target is null || resource is null || !Served(resource, target))
        {
            await KubeStatus.PathNotFound().WriteAsync(ctx);
            return;
        }
        string ns = target.Namespace ?? "";
        string? verb = ctx.Request.Method switch
        {
            "GET" when target.Name is null => ObjectEndpoints.IsTrue(ctx.Request.Query["watch"]) ? "watch" : "list",
            "GET" => "get",
            "POST" when target.Name is null => "create",
            _ => null,
        };
        if (verb is null || !resource.Verbs.Contains(verb) || verb == "create" && resource.Verbs.Count != 1)
        {
            await KubeStatus.MethodNotAllowed().WriteAsync(ctx);
            return;
        }
        string authorizedResource = target.Subresource is null ? resource.Name : resource.Name + "/" + target.Subresource;
        if (Cluster.Faults.IsForbidden(authorizedResource, ns, resource.Namespaced && target.Namespace is null, verb))
        {
            await KubeStatus.Forbidden(resource, target.Name, user.Username, verb, target.Subresource, ns).WriteAsync(ctx);
            return;
        }
        switch (verb, resource.Name, target.Subresource)
        {
            case ("create", "selfsubjectreviews", _):
                await ReviewEndpoints.SelfSubjectReviewAsync(ctx, user, resource.ApiVersion, _options.TimeProvider.GetUtcNow());
                break;
            case ("create", "selfsubjectrulesreviews", _):
                await ReviewEndpoints.SelfSubjectRulesReviewAsync(ctx, Cluster);
                break;
            case ("get", "pods", "log"):
                await PodLogEndpoint.ReadAsync(ctx, Cluster, resource, ns, target.Name!, _options.TimeProvider);
                break;
            case ("get", _, _):
                await ObjectEndpoints.GetAsync(ctx, Cluster, resource, ns, target.Name!);
                break;
            default:
                await ObjectEndpoints.ListAsync(ctx, Cluster, resource, target.Namespace);
                break;
        }
    }
}
