using ContainerForensics.Core;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.Kubernetes.Tests.Support;

namespace ContainerForensics.Kubernetes.Tests.Connection;

/// <summary>
/// A kubeconfig's exec credential plugin is a program of its author's choosing, and its auth
/// provider a request to a party of its author's choosing; on a compromised host that author may
/// be the attacker. Neither runs without --allow-exec-plugin, and the refusal happens before the
/// library (which runs users[].exec.command while it builds its configuration) sees the user.
/// </summary>
public sealed class CredentialPluginTests : IDisposable
{
    private const string Credential = """{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-the-plugin"}}""";

    private readonly KubeconfigScratch _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ExecKubeconfig(string marker, string? otherUsersMarker = null)
    {
        _dir.WriteScript("bin/get-token", $"touch '{marker}'\necho '{Credential}'");
        string config = _dir.Write("config", $$$"""
            apiVersion: v1
            kind: Config
            current-context: ctx
            contexts:
            - {name: ctx, context: {cluster: cl, user: plugged}}
            - {name: other, context: {cluster: cl, user: other}}
            clusters:
            - {name: cl, cluster: {server: "https://127.0.0.1:6443"}}
            users:
            - name: plugged
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token
                  args: [--cluster, prod]
                  interactiveMode: Never
            - name: other
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /bin/sh
                  args: [-c, "touch '{{{otherUsersMarker ?? _dir["other-marker"]}}}'"]
            """);
        return config;
    }

    [Fact]
    public void An_exec_plugin_is_not_run_without_the_flag_and_the_refusal_names_it_and_the_flag()
    {
        string marker = _dir["ran"];
        string config = ExecKubeconfig(marker);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings(("KUBECONFIG", config))));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.Equal(
            $"kubeconfig user 'plugged' (context 'ctx') would run an exec credential plugin: '{_dir["bin/get-token"]} --cluster prod'; not run. "
            + "A kubeconfig on a compromised host may be the attacker's: give --allow-exec-plugin to run it",
            ex.Message);
        Assert.False(File.Exists(marker));
        Assert.False(File.Exists(_dir["other-marker"]));
    }

    [Fact]
    public void With_the_flag_the_plugin_runs_its_token_is_used_and_its_command_is_recorded()
    {
        string marker = _dir["ran"];
        string config = ExecKubeconfig(marker);
        var settings = KubeconfigScratch.Settings(("KUBECONFIG", config)).WithFlag(KubernetesOptions.AllowExecPlugin);

        var connection = new KubeConfigLoader(_dir["no-sa"]).Load(settings)!;

        Assert.True(File.Exists(marker));
        Assert.Equal("exec", connection.Authentication);
        Assert.Equal($"{_dir["bin/get-token"]} --cluster prod", connection.ExecCommand);
        Assert.Equal("from-the-plugin", connection.Config.AccessToken);
        // Only the chosen user's plugin: the kubeconfig's other users are never looked at.
        Assert.False(File.Exists(_dir["other-marker"]));
    }

    [Fact]
    public void A_failing_plugin_with_the_flag_is_one_line_naming_it()
    {
        _dir.WriteScript("bin/broken", "echo 'not json'\nexit 1");
        string config = _dir.Write("config", """
            current-context: ctx
            contexts: [{name: ctx, context: {cluster: cl, user: u}}]
            clusters: [{name: cl, cluster: {server: "https://127.0.0.1:6443"}}]
            users:
            - name: u
              user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: bin/broken}}
            """);
        var settings = KubeconfigScratch.Settings(("KUBECONFIG", config)).WithFlag(KubernetesOptions.AllowExecPlugin);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(settings));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.StartsWith($"kubeconfig user 'u' ({config}): the exec credential plugin '{_dir["bin/broken"]}' failed: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_plugin_named_without_a_slash_is_left_to_PATH_as_kubectl_leaves_it()
    {
        string config = _dir.Write("config", """
            current-context: ctx
            contexts: [{name: ctx, context: {cluster: cl, user: u}}]
            clusters: [{name: cl, cluster: {server: "https://127.0.0.1:6443"}}]
            users:
            - name: u
              user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: gke-gcloud-auth-plugin}}
            """);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings(("KUBECONFIG", config))));

        Assert.Contains("exec credential plugin: 'gke-gcloud-auth-plugin'; not run.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_auth_provider_is_not_used_without_the_flag()
    {
        string config = _dir.Write("config", """
            current-context: ctx
            contexts: [{name: ctx, context: {cluster: cl, user: oidc-user}}]
            clusters: [{name: cl, cluster: {server: "https://127.0.0.1:6443"}}]
            users:
            - name: oidc-user
              user:
                auth-provider:
                  name: oidc
                  config: {client-id: k, idp-issuer-url: "https://issuer.example", id-token: a.b.c, refresh-token: r}
            """);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings(("KUBECONFIG", config))));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.Equal(
            "kubeconfig user 'oidc-user' (context 'ctx') would use the auth provider 'oidc'; not used. "
            + "A kubeconfig on a compromised host may be the attacker's: give --allow-exec-plugin to use it",
            ex.Message);
    }

    [Fact]
    public void With_the_flag_an_auth_provider_is_handed_to_the_library_and_recorded()
    {
        string config = _dir.Write("config", """
            current-context: ctx
            contexts: [{name: ctx, context: {cluster: cl, user: oidc-user}}]
            clusters: [{name: cl, cluster: {server: "https://127.0.0.1:6443"}}]
            users:
            - name: oidc-user
              user:
                auth-provider:
                  name: oidc
                  config: {client-id: k, idp-issuer-url: "https://issuer.example", id-token: a.b.c, refresh-token: r}
            """);
        var settings = KubeconfigScratch.Settings(("KUBECONFIG", config)).WithFlag(KubernetesOptions.AllowExecPlugin);

        var connection = new KubeConfigLoader(_dir["no-sa"]).Load(settings)!;

        Assert.Equal("auth-provider:oidc", connection.Authentication);
        Assert.Null(connection.ExecCommand);
        Assert.IsType<k8s.Authentication.OidcTokenProvider>(connection.Config.TokenProvider);
    }

    [Fact]
    public void Control_characters_in_a_plugins_command_do_not_break_the_one_line()
    {
        string config = _dir.Write("config", """
            current-context: ctx
            contexts: [{name: ctx, context: {cluster: cl, user: u}}]
            clusters: [{name: cl, cluster: {server: "https://127.0.0.1:6443"}}]
            users:
            - name: u
              user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "evil\ncfir: ok", args: ["\e[2J"]}}
            """);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings(("KUBECONFIG", config))));

        Assert.Contains("'evil\\ncfir: ok \\x1b[2J'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\u001b', ex.Message);
    }
}
