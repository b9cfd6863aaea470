using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// Finds how to reach the API server, from the same sources and in the same order as kubectl
/// (client-go's <c>NewDefaultClientConfigLoadingRules</c> and <c>DeferredLoadingClientConfig</c>):
/// <list type="number">
/// <item><c>--kubeconfig PATH</c>: that one file, not merged with anything; it must exist.</item>
/// <item>else <c>$KUBECONFIG</c> (from <see cref="RuntimeSettings.Environment"/>): a ':'-separated
/// list of files merged as kubectl merges them (<see cref="MergedKubeConfig"/>); files that do
/// not exist are skipped, a file listed twice is read once.</item>
/// <item>else <c>$HOME/.kube/config</c>, if it exists.</item>
/// <item>else, when those gave nothing at all (kubectl: an empty configuration), the pod's
/// service account (<see cref="ServiceAccountConfig"/>).</item>
/// </list>
/// Nothing is contacted and, without <c>--allow-exec-plugin</c>, nothing is run: a kubeconfig's
/// exec credential plugin or auth provider is refused before the library could start it.
/// </summary>
public sealed class KubeConfigLoader
{
    private readonly string _serviceAccountDirectory;
    private readonly string? _home;

    public KubeConfigLoader()
        : this(ServiceAccountConfig.DefaultDirectory)
    {
    }

    /// <param name="serviceAccountDirectory">Where the pod's service account is mounted (tests: a directory of their own).</param>
    /// <param name="home">The home directory whose .kube/config is the fallback; null: $HOME from the settings' environment.</param>
    public KubeConfigLoader(string serviceAccountDirectory, string? home = null)
    {
        _serviceAccountDirectory = serviceAccountDirectory;
        _home = home;
    }

    /// <summary>The connection, or null when there is no kubeconfig and no service account (<see cref="Absence"/> says why).</summary>
    public KubernetesConnection? Load(RuntimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Option(KubernetesOptions.KubeConfig) is { } explicitPath)
        {
            string path = Path.GetFullPath(explicitPath);
            byte[] bytes = LocalFiles.ReadKubeconfig(path)
                ?? throw new CfirException(ExitCode.UsageError, $"--kubeconfig {OneLine.Clean(explicitPath)}: no such file");
            var merged = new MergedKubeConfig();
            merged.Add(KubeConfigDocument.Parse(path, bytes));
            return KubeConfigContext.ToConnection(merged, "--kubeconfig", settings);
        }

        var (source, files) = Candidates(settings);
        var config = new MergedKubeConfig();
        foreach (string file in files)
        {
            if (LocalFiles.ReadKubeconfig(file) is { } bytes)
            {
                config.Add(KubeConfigDocument.Parse(file, bytes));
            }
        }
        if (!config.IsEmpty)
        {
            return KubeConfigContext.ToConnection(config, source, settings);
        }
        if (ServiceAccountConfig.Absence(settings, _serviceAccountDirectory) is null)
        {
            if (settings.Option(KubernetesOptions.Context) is { } context)
            {
                throw new CfirException(ExitCode.UsageError, $"--context '{OneLine.Clean(context)}': there is no kubeconfig to find it in (only the pod's service account)");
            }
            return ServiceAccountConfig.Load(settings, _serviceAccountDirectory);
        }
        return null;
    }

    /// <summary>Why <see cref="Load"/> found nothing, in one line: which kubeconfig was looked for and why this is not a pod.</summary>
    public string Absence(RuntimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (source, files) = Candidates(settings);
        string kubeconfig = source switch
        {
            "KUBECONFIG" => $"$KUBECONFIG lists no kubeconfig that exists and is not empty: {string.Join(':', files)}",
            _ when files.Count == 0 => "$KUBECONFIG unset, $HOME unset",
            _ => $"$KUBECONFIG unset, no {files[0]}",
        };
        string pod = ServiceAccountConfig.Absence(settings, _serviceAccountDirectory) ?? "in a pod";
        return $"no kubeconfig ({kubeconfig}) and {pod}";
    }

    /// <summary>$KUBECONFIG's files (absolute, each once, empty entries skipped), else ~/.kube/config.</summary>
    private (string Source, IReadOnlyList<string> Files) Candidates(RuntimeSettings settings)
    {
        if (settings.GetEnvironment("KUBECONFIG") is { } list)
        {
            var files = list.Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => Path.GetFullPath(f))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return ("KUBECONFIG", files);
        }
        string? home = _home ?? settings.GetEnvironment("HOME");
        return ("~/.kube/config", home is null ? [] : [Path.Join(home, ".kube", "config")]);
    }
}
