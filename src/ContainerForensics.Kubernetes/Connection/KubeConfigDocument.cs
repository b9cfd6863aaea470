using System.Text.RegularExpressions;
using ContainerForensics.Core;
using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// One kubeconfig file as read: the library's model of it (parsed with its public stream API),
/// with the paths in it made absolute against the file's own directory, and the one user field
/// the library's model lacks, <c>tokenFile</c>.
/// <para>
/// Paths are resolved as client-go's <c>ResolveLocalPaths</c> does (tools/clientcmd/loader.go):
/// a cluster's <c>certificate-authority</c>, a user's <c>client-certificate</c>,
/// <c>client-key</c> and <c>tokenFile</c>, and an exec plugin's <c>command</c> when it holds a
/// '/' (a bare name is looked up on PATH). Resolving here, per file, is what makes a merge right:
/// the library resolves against the first file of a merge only.
/// </para>
/// <para>
/// Two entries of one kind with the same name in one file are an error, as in client-go's
/// conversion of a kubeconfig ("duplicate name ... in list"): which one kubectl would use is not
/// something to guess on a possibly hostile file.
/// </para>
/// </summary>
internal sealed class KubeConfigDocument
{
    private static readonly IDeserializer TokenFileReader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    private KubeConfigDocument(string path, K8SConfiguration config, IReadOnlyDictionary<string, string> tokenFiles)
    {
        Path = path;
        Config = config;
        TokenFiles = tokenFiles;
    }

    /// <summary>The file's absolute path.</summary>
    public string Path { get; }

    /// <summary>The library's model, every list present (empty when the file has none), no null or nameless entries.</summary>
    public K8SConfiguration Config { get; }

    /// <summary>users[].user.tokenFile by user name, absolute.</summary>
    public IReadOnlyDictionary<string, string> TokenFiles { get; }

    /// <summary>Parses <paramref name="bytes"/>, read from <paramref name="path"/> (absolute). Malformed YAML or a wrong shape is a one-line usage error naming the file.</summary>
    public static KubeConfigDocument Parse(string path, byte[] bytes)
    {
        K8SConfiguration? config;
        Dictionary<string, string> tokenFiles;
        try
        {
            config = KubernetesClientConfiguration.LoadKubeConfig(new MemoryStream(bytes, writable: false));
            tokenFiles = ReadTokenFiles(bytes);
        }
        // A hostile or broken file can make YamlDotNet and the library's converters throw many
        // things (YamlException, InvalidOperationException, FormatException...): all of them are
        // "this file is not a kubeconfig".
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new CfirException(ExitCode.UsageError, $"kubeconfig {path}: not a valid kubeconfig: {OneLine.Of(ex, WrongShape(ex))}");
        }
        config ??= new K8SConfiguration();
        config.FileName = null; // paths are resolved here, per file; the library must not resolve them again against the first file
        string directory = System.IO.Path.GetDirectoryName(path) ?? "/";

        config.Contexts = Named(path, "context", config.Contexts, c => c.Name);
        config.Clusters = Named(path, "cluster", config.Clusters, c => c.Name);
        config.Users = Named(path, "user", config.Users, u => u.Name);
        foreach (var cluster in config.Clusters)
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Resolve(directory, endpoint.CertificateAuthority);
            }
        }
        foreach (var user in config.Users)
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Resolve(directory, credentials.ClientCertificate);
                credentials.ClientKey = Resolve(directory, credentials.ClientKey);
                if (credentials.ExternalExecution is { Command: { } command } exec && command.Contains('/', StringComparison.Ordinal))
                {
                    exec.Command = Resolve(directory, command);
                }
            }
        }
        var resolvedTokenFiles = tokenFiles
            .Where(t => !string.IsNullOrEmpty(t.Value))
            .ToDictionary(t => t.Key, t => Resolve(directory, t.Value)!, StringComparer.Ordinal);
        return new KubeConfigDocument(path, config, resolvedTokenFiles);
    }

    /// <summary>
    /// "wrong shape: a list belongs here" for a value of the wrong kind (a string where
    /// clusters' list belongs): YamlDotNet says it with the .NET type it could not make, a
    /// generic type name with assembly versions in it; null for any other error.
    /// </summary>
    private static string? WrongShape(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        var target = inner switch
        {
            InvalidCastException => Regex.Match(inner.Message, " to '([^']+)'"),
            YamlException when inner.Message.Contains("No node deserializer", StringComparison.Ordinal) => Regex.Match(inner.Message, "into type ([^,]+)"),
            _ => null,
        };
        if (target is not { Success: true })
        {
            return null;
        }
        string type = target.Groups[1].Value;
        string expected = type switch
        {
            _ when type.Contains("IEnumerable`1", StringComparison.Ordinal) || type.Contains("List`1", StringComparison.Ordinal) => "a list",
            _ when type.Contains("Dictionary`2", StringComparison.Ordinal) || type.StartsWith("k8s.KubeConfigModels.", StringComparison.Ordinal) => "a mapping",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            _ => "another kind of value",
        };
        return $"wrong shape: {expected} belongs here";
    }

    private static List<T> Named<T>(string path, string kind, IEnumerable<T>? entries, Func<T, string?> name)
        where T : class
    {
        // Entries without a name cannot be chosen (kubectl keys them by name); they are left out.
        var list = (entries ?? []).Where(e => e is not null && !string.IsNullOrEmpty(name(e))).ToList();
        var duplicate = list.GroupBy(e => name(e)!, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CfirException(ExitCode.UsageError, $"kubeconfig {path}: two {kind}s named '{OneLine.Clean(duplicate.Key)}'");
        }
        return list;
    }

    private static string? Resolve(string directory, string? path) =>
        string.IsNullOrEmpty(path) || System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(path, directory);

    private static Dictionary<string, string> ReadTokenFiles(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false));
        var doc = TokenFileReader.Deserialize<TokenFileDocument?>(reader);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in doc?.Users ?? [])
        {
            if (!string.IsNullOrEmpty(user?.Name) && user.User?.TokenFile is { Length: > 0 } tokenFile)
            {
                result.TryAdd(user.Name, tokenFile);
            }
        }
        return result;
    }

    /// <summary>users[].user.tokenFile (client-go's AuthInfo.TokenFile), which KubernetesClient's model does not carry.</summary>
    private sealed class TokenFileDocument
    {
        public List<TokenFileUser?>? Users { get; set; }
    }

    private sealed class TokenFileUser
    {
        public string? Name { get; set; }

        public TokenFileFields? User { get; set; }
    }

    private sealed class TokenFileFields
    {
        public string? TokenFile { get; set; }
    }
}
