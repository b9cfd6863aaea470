using System.Security.Authentication;
using System.Security.Cryptography;
using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Api;
using ContainerForensics.Kubernetes.Connection;
using k8s.Exceptions;

namespace ContainerForensics.Kubernetes;

/// <summary>
/// Finds the Kubernetes API server: the one candidate the kubeconfig (or the pod's service
/// account) names, found by <see cref="KubeConfigLoader"/> in kubectl's order, and answered
/// when GET /version succeeds within <see cref="RuntimeSettings.CallTimeout"/>.
/// <para>
/// Never probed by <c>--runtime auto</c> on its own (<see cref="ProbedByAuto"/>): the server is
/// wherever a kubeconfig, possibly the attacker's, points, and contacting it sends it the
/// credentials in that kubeconfig. Discovery probes it when <c>--runtime kubernetes</c> or one of
/// <see cref="KubernetesOptions.All"/> is given; either way the responder asked for it, so a
/// server that does not answer is a failure of the run (<see cref="RuntimeProbe.Requested"/>).
/// </para>
/// </summary>
public sealed class KubernetesRuntimeProvider : IRuntimeProvider
{
    private readonly KubeConfigLoader _loader;

    public KubernetesRuntimeProvider()
        : this(new KubeConfigLoader())
    {
    }

    /// <summary>With another loader (tests: a service-account directory and home of their own).</summary>
    public KubernetesRuntimeProvider(KubeConfigLoader loader)
    {
        _loader = loader;
    }

    public string Name => KubernetesRuntime.RuntimeName;

    public IReadOnlyList<RuntimeOption> Options => KubernetesOptions.All;

    public bool ProbedByAuto => false;

    /// <summary>
    /// One probe. A kubeconfig that cannot be used as it stands (malformed, an unknown context,
    /// a plugin not allowed) throws a <see cref="CfirException"/>, which ends the run with its
    /// one line: collecting without the cluster the responder asked for would mislead.
    /// </summary>
    public async Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.IsSet(KubernetesOptions.AllNamespaces) && settings.Values(KubernetesOptions.Namespace).Count > 0)
        {
            throw new CfirException(ExitCode.UsageError, "-A and -n contradict each other: -A takes every namespace, -n only those named");
        }
        // Off the caller's thread: loading reads files and, when allowed, waits for an exec
        // plugin, and discovery starts the other providers' probes meanwhile.
        var connection = await Task.Run(() => _loader.Load(settings), cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            return [RuntimeProbe.NotFound(Name, "-", _loader.Absence(settings)) with { Requested = true }];
        }
        try
        {
            return [RuntimeProbe.Found(await KubernetesRuntime.ConnectAsync(connection, settings, cancellationToken).ConfigureAwait(false))];
        }
        catch (CryptographicException ex)
        {
            // The client certificate and key are read when the client is made, not when the kubeconfig is loaded.
            throw new CfirException(ExitCode.UsageError, $"{Describe(connection)}: the client certificate or key cannot be used: {OneLine.Of(ex)}");
        }
        catch (Exception ex) when (ex is ApiCallException or ApiTimeoutException or HttpRequestException or KubeConfigException)
        {
            return [RuntimeProbe.NotFound(Name, connection.Server, $"{Describe(connection)}: {Reason(ex)}") with { Requested = true }];
        }
    }

    /// <summary>"--kubeconfig /x, context 'c'", "in-cluster": where the server's address came from.</summary>
    private static string Describe(KubernetesConnection connection)
    {
        string from = connection.Files.Count > 0 ? $"{connection.Source} {string.Join(':', connection.Files)}" : connection.Source;
        return connection.Context is { } context ? $"{from}, context '{OneLine.Clean(context)}'" : from;
    }

    /// <summary>
    /// Why the server did not answer, in one line. A TLS failure says so first: a CA that does
    /// not match is the usual cause, and HttpRequestException's own text ("The SSL connection
    /// could not be established, see inner exception") does not say what happened.
    /// </summary>
    private static string Reason(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException tls)
            {
                return $"TLS handshake failed: {OneLine.Of(tls)}";
            }
        }
        if (ex is HttpRequestException && ex.InnerException is { } inner)
        {
            // "Connection refused (host:port)" already holds its SocketException's text.
            string cause = OneLine.Of(inner);
            return ex.Message.Contains(cause, StringComparison.Ordinal) ? OneLine.Clean(ex.Message) : $"{OneLine.Clean(ex.Message)} ({cause})";
        }
        return OneLine.Of(ex);
    }
}
