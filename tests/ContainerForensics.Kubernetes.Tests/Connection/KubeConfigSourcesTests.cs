using ContainerForensics.Core;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.Kubernetes.Tests.Support;

namespace ContainerForensics.Kubernetes.Tests.Connection;

/// <summary>
/// Where the kubeconfig comes from and how $KUBECONFIG's files merge, as kubectl does it
/// (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files).
/// Nothing here contacts a server: loading only reads files.
/// </summary>
public sealed class KubeConfigSourcesTests : IDisposable
{
    private readonly KubeconfigScratch _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>No service account in this directory: the in-cluster fallback stays out unless a test puts one there.</summary>
    private KubeConfigLoader Loader() => new(_dir["no-service-account"]);

    [Fact]
    public void Kubeconfig_files_merge_first_current_context_and_first_entry_of_a_name_win()
    {
        string first = _dir.Write("a/config", """
            apiVersion: v1
            kind: Config
            current-context: shared
            contexts:
            - name: shared
              context: {cluster: from-second, user: admin, namespace: first-ns}
            users:
            - name: admin
              user: {token: first-token}
            """);
        string second = _dir.Write("b/config", """
            apiVersion: v1
            kind: Config
            current-context: only-in-second
            contexts:
            - name: shared
              context: {cluster: never-used, user: admin, namespace: second-ns}
            - name: only-in-second
              context: {cluster: from-second}
            clusters:
            - name: from-second
              cluster: {server: "https://second.example:6443", insecure-skip-tls-verify: true}
            users:
            - name: admin
              user: {token: second-token}
            """);

        var connection = Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", $"{first}:{second}")))!;

        Assert.Equal("KUBECONFIG", connection.Source);
        Assert.Equal([first, second], connection.Files);
        Assert.Equal("shared", connection.Context);
        Assert.Equal("first-ns", connection.DefaultNamespace);
        Assert.Equal("from-second", connection.Cluster);
        Assert.Equal("https://second.example:6443", connection.Server);
        Assert.Equal("first-token", connection.Config.AccessToken);
        Assert.Equal("token", connection.Authentication);
        Assert.True(connection.InsecureSkipTlsVerify);
    }

    [Fact]
    public void The_first_file_to_set_current_context_wins_even_when_it_is_not_the_first_file()
    {
        string first = _dir.Write("a", Kubeconfigs.One(context: "one", cluster: "one", currentContext: null));
        string second = _dir.Write("b", Kubeconfigs.One(context: "two", cluster: "two", currentContext: "two", server: "https://two.example"));
        string third = _dir.Write("c", Kubeconfigs.One(context: "three", cluster: "three", currentContext: "three"));

        var connection = Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", $"{first}:{second}:{third}")))!;

        Assert.Equal("two", connection.Context);
        Assert.Equal("https://two.example", connection.Server);
    }

    [Fact]
    public void A_missing_file_in_KUBECONFIG_is_skipped_and_empty_entries_and_repeats_are_ignored()
    {
        string real = _dir.Write("real", Kubeconfigs.One());
        string missing = _dir["missing/config"];

        var connection = Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", $"{missing}::{real}:{real}")))!;

        Assert.Equal([real], connection.Files);
        Assert.Equal("ctx", connection.Context);
    }

    [Fact]
    public void Relative_paths_are_resolved_against_the_directory_of_the_file_that_holds_them()
    {
        string first = _dir.Write("one/config", """
            current-context: ctx
            contexts: [{name: ctx, context: {cluster: elsewhere, user: elsewhere}}]
            """);
        using var ca = _dir.WriteCa("two/certs/ca.crt");
        _dir.WriteClientPair("two/certs/client.crt", "two/certs/client.key");
        string second = _dir.Write("two/config", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: elsewhere
              cluster: {server: "https://127.0.0.1:6443", certificate-authority: certs/ca.crt}
            users:
            - name: elsewhere
              user: {client-certificate: certs/client.crt, client-key: ./certs/../certs/client.key}
            """);

        var connection = Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", $"{first}:{second}")))!;

        Assert.Equal("client-certificate", connection.Authentication);
        Assert.Equal(_dir["two/certs/client.crt"], connection.Config.ClientCertificateFilePath);
        Assert.Equal(_dir["two/certs/client.key"], connection.Config.ClientKeyFilePath);
        var loaded = Assert.Single(connection.Config.SslCaCerts!);
        Assert.Equal(ca.Thumbprint, loaded.Thumbprint);
    }

    [Fact]
    public void Kubeconfig_option_takes_that_one_file_and_merges_nothing_else()
    {
        string env = _dir.Write("env", Kubeconfigs.One(context: "from-env", currentContext: "from-env"));
        string given = _dir.Write("given", Kubeconfigs.One(context: "given", currentContext: "given"));
        var settings = KubeconfigScratch.Settings(("KUBECONFIG", env)).With(KubernetesOptions.KubeConfig, given);

        var connection = Loader().Load(settings)!;
        Assert.Equal("--kubeconfig", connection.Source);
        Assert.Equal([given], connection.Files);
        Assert.Equal("given", connection.Context);

        var ex = Assert.Throws<CfirException>(() => Loader().Load(settings.With(KubernetesOptions.Context, "from-env")));
        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.Contains("'from-env'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(given, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_kubeconfig_given_with_the_option_is_a_usage_error()
    {
        var settings = KubeconfigScratch.Settings().With(KubernetesOptions.KubeConfig, _dir["nope"]);

        var ex = Assert.Throws<CfirException>(() => Loader().Load(settings));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.Equal($"--kubeconfig {_dir["nope"]}: no such file", ex.Message);
    }

    [Fact]
    public void Without_KUBECONFIG_the_home_kubeconfig_is_used()
    {
        string home = _dir["home"];
        string config = _dir.Write("home/.kube/config", Kubeconfigs.One());

        var connection = Loader().Load(KubeconfigScratch.Settings(("HOME", home)))!;

        Assert.Equal("~/.kube/config", connection.Source);
        Assert.Equal([config], connection.Files);
    }

    [Fact]
    public void KUBECONFIG_set_keeps_the_home_kubeconfig_out_even_when_none_of_its_files_exist()
    {
        _dir.Write("home/.kube/config", Kubeconfigs.One());
        var settings = KubeconfigScratch.Settings(("HOME", _dir["home"]), ("KUBECONFIG", _dir["missing"]));
        var loader = Loader();

        Assert.Null(loader.Load(settings));
        Assert.StartsWith($"no kubeconfig ($KUBECONFIG lists no kubeconfig that exists and is not empty: {_dir["missing"]})", loader.Absence(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_anywhere_is_no_connection_and_says_why()
    {
        var settings = KubeconfigScratch.Settings(("HOME", _dir["empty-home"]));
        var loader = Loader();

        Assert.Null(loader.Load(settings));
        Assert.Equal($"no kubeconfig ($KUBECONFIG unset, no {_dir["empty-home/.kube/config"]}) and not in a pod (KUBERNETES_SERVICE_HOST/PORT unset)", loader.Absence(settings));
    }

    [Fact]
    public void Context_option_picks_another_context_of_the_same_kubeconfig()
    {
        string config = _dir.Write("config", """
            apiVersion: v1
            kind: Config
            current-context: prod
            contexts:
            - {name: prod, context: {cluster: prod, user: prod}}
            - {name: staging, context: {cluster: staging, user: staging, namespace: web}}
            clusters:
            - {name: prod, cluster: {server: "https://prod.example"}}
            - {name: staging, cluster: {server: "https://staging.example"}}
            users:
            - {name: prod, user: {token: p}}
            - {name: staging, user: {username: alice, password: secret}}
            """);
        var settings = KubeconfigScratch.Settings(("KUBECONFIG", config)).With(KubernetesOptions.Context, "staging");

        var connection = Loader().Load(settings)!;

        Assert.Equal("staging", connection.Context);
        Assert.Equal("staging", connection.Cluster);
        Assert.Equal("staging", connection.User);
        Assert.Equal("https://staging.example", connection.Server);
        Assert.Equal("basic", connection.Authentication);
        Assert.Equal("web", connection.DefaultNamespace);
    }

    [Fact]
    public void Context_names_compare_exactly_as_kubectl_compares_them()
    {
        string config = _dir.Write("config", Kubeconfigs.One(context: "Prod", currentContext: "Prod"));
        var settings = KubeconfigScratch.Settings(("KUBECONFIG", config)).With(KubernetesOptions.Context, "prod");

        var ex = Assert.Throws<CfirException>(() => Loader().Load(settings));

        Assert.Equal($"kubeconfig {config}: no context 'prod' (the --context); it defines 'Prod'", ex.Message);
    }

    [Fact]
    public void An_unknown_current_context_names_the_file_that_set_it()
    {
        string config = _dir.Write("config", Kubeconfigs.One(context: "ctx", currentContext: "gone"));

        var ex = Assert.Throws<CfirException>(() => Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", config))));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.Equal($"kubeconfig {config}: no context 'gone' (the current-context of {config}); it defines 'ctx'", ex.Message);
    }

    [Fact]
    public void No_current_context_and_no_context_option_is_a_usage_error()
    {
        string config = _dir.Write("config", Kubeconfigs.One(currentContext: null));

        var ex = Assert.Throws<CfirException>(() => Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", config))));

        Assert.Equal($"kubeconfig {config}: no current-context set and no --context given", ex.Message);
    }

    [Fact]
    public void A_context_whose_cluster_or_user_is_not_defined_says_which()
    {
        string noCluster = _dir.Write("no-cluster", """
            current-context: c
            contexts: [{name: c, context: {cluster: ghost, user: u}}]
            users: [{name: u, user: {token: t}}]
            """);
        string noUser = _dir.Write("no-user", """
            current-context: c
            contexts: [{name: c, context: {cluster: k, user: nobody}}]
            clusters: [{name: k, cluster: {server: "https://k.example"}}]
            """);

        var cluster = Assert.Throws<CfirException>(() => Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", noCluster))));
        var user = Assert.Throws<CfirException>(() => Loader().Load(KubeconfigScratch.Settings(("KUBECONFIG", noUser))));

        Assert.Equal($"kubeconfig context 'c' ({noCluster}): names cluster 'ghost', which no kubeconfig file defines", cluster.Message);
        Assert.Equal($"kubeconfig context 'c' ({noUser}): names user 'nobody', which no kubeconfig file defines", user.Message);
    }
}
