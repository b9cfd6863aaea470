using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;
using k8s;
using k8s.Authentication;
using k8s.KubeConfigModels;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// From a merged kubeconfig to a connection: the context (<c>--context</c>, else
/// current-context), then its cluster, then its user, each missing piece a one-line usage error
/// naming what is missing and the file that named it. The library then builds its configuration
/// from exactly these three entries (a kubeconfig pruned to them), so that nothing else in the
/// file is looked at or run, and names cannot be matched the library's case-insensitive way.
/// </summary>
internal static class KubeConfigContext
{
    /// <summary>How many context names a "no such context" message lists.</summary>
    private const int ContextsNamed = 10;

    public static KubernetesConnection ToConnection(MergedKubeConfig merged, string source, RuntimeSettings settings)
    {
        string? wanted = settings.Option(KubernetesOptions.Context);
        string name = wanted ?? merged.CurrentContext
            ?? throw new CfirException(ExitCode.UsageError, $"{merged.Description}: no current-context set and no --context given");
        var context = merged.Context(name) ?? throw new CfirException(ExitCode.UsageError, NoSuchContext(merged, name, wanted is not null));
        string contextName = OneLine.Clean(name);
        string where = $"kubeconfig context '{contextName}' ({context.File})";

        var details = context.Value.ContextDetails;
        if (string.IsNullOrEmpty(details?.Cluster))
        {
            throw new CfirException(ExitCode.UsageError, $"{where}: names no cluster");
        }
        var cluster = merged.Cluster(details.Cluster)
            ?? throw new CfirException(ExitCode.UsageError, $"{where}: names cluster '{OneLine.Clean(details.Cluster)}', which no kubeconfig file defines");
        string clusterWhere = $"kubeconfig cluster '{OneLine.Clean(cluster.Name)}' ({cluster.File})";
        var endpoint = cluster.Value.ClusterEndpoint;
        if (string.IsNullOrWhiteSpace(endpoint?.Server))
        {
            throw new CfirException(ExitCode.UsageError, $"{clusterWhere}: has no server");
        }
        if (endpoint.Server.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
        {
            // The library reads the CA only for https, data before file; so does this check.
            PemMaterial.RequireCertificateAuthority(endpoint.CertificateAuthorityData, endpoint.CertificateAuthority, clusterWhere);
        }

        KubeConfigUser? user = null;
        if (!string.IsNullOrEmpty(details.User))
        {
            user = merged.User(details.User)
                ?? throw new CfirException(ExitCode.UsageError, $"{where}: names user '{OneLine.Clean(details.User)}', which no kubeconfig file defines");
            bool allowed = settings.IsSet(KubernetesOptions.AllowExecPlugin);
            // Before the library sees the user: building its configuration runs the exec plugin.
            user.RefusePlugins(name, allowed);
            user.RequireCredentials();
        }

        var forLibrary = user?.ForLibrary();
        var pruned = new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = name,
            Contexts = [new Context { Name = name, ContextDetails = new ContextDetails { Cluster = cluster.Name, User = forLibrary?.Name, Namespace = details.Namespace } }],
            Clusters = [cluster.Value],
            Users = forLibrary is null ? [] : [forLibrary],
        };
        KubernetesClientConfiguration config;
        try
        {
            // An allowed plugin that hangs costs the call budget, not the library's two minutes.
            KubernetesClientConfiguration.ExecTimeout = settings.CallTimeout;
            config = KubernetesClientConfiguration.BuildConfigFromConfigObject(pruned, name);
        }
        // The library throws KubeConfigException, FormatException (bad base64), IOException, a
        // CryptographicException (a PEM that is not one) and plain Exception (the azure and gcp
        // auth providers it no longer supports): each is this kubeconfig's fault, told in one line.
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            string what = user?.Exec is not null
                ? $"kubeconfig user '{OneLine.Clean(user.Name)}' ({user.File}): the exec credential plugin '{OneLine.Clean(user.ExecCommand)}' failed"
                : where;
            throw new CfirException(ExitCode.UsageError, $"{what}: {OneLine.Of(ex)}");
        }
        if (user is { TokenFile: { } tokenFile } && user.Authentication == "token-file")
        {
            // Re-read as it changes (a projected service-account token is rotated), as client-go does with BearerTokenFile.
            config.TokenProvider = new TokenFileAuth(tokenFile);
        }

        return new KubernetesConnection
        {
            Config = config,
            Source = source,
            Files = merged.Files,
            Context = name,
            Cluster = cluster.Name,
            User = user?.Name,
            Server = config.Host,
            Authentication = user?.Authentication ?? "none",
            InsecureSkipTlsVerify = endpoint.SkipTlsVerify,
            ExecCommand = user?.ExecCommand,
            DefaultNamespace = string.IsNullOrEmpty(details.Namespace) ? null : details.Namespace,
        };
    }

    private static string NoSuchContext(MergedKubeConfig merged, string name, bool fromOption)
    {
        string given = fromOption ? "--context" : $"current-context of {merged.CurrentContextFile}";
        var known = merged.ContextNames.Take(ContextsNamed + 1).Select(OneLine.Clean).ToList();
        string list = known.Count == 0 ? "it defines none"
            : "it defines " + string.Join(", ", known.Take(ContextsNamed).Select(k => $"'{k}'")) + (known.Count > ContextsNamed ? ", ..." : "");
        return $"{merged.Description}: no context '{OneLine.Clean(name)}' (the {given}); {list}";
    }
}
