using ContainerForensics.Core;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.Kubernetes.Tests.Support;

namespace ContainerForensics.Kubernetes.Tests.Connection;

/// <summary>
/// A kubeconfig that is not one: a usage error in one line that names the file and says what is
/// wrong, never YamlDotNet's multi-line text or a stack trace. One fixture per way of being wrong.
/// </summary>
public sealed class MalformedKubeconfigTests : IDisposable
{
    private readonly KubeconfigScratch _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string> Broken => new()
    {
        { "unclosed-flow", "clusters: [{name: a, cluster: {server: x}\n", "not a valid kubeconfig: line " },
        { "bad-indent", "apiVersion: v1\nclusters:\n- name: a\n   cluster:\n  server: x\n", "not a valid kubeconfig: line " },
        { "clusters-a-string", "apiVersion: v1\nclusters: \"everything\"\n", "not a valid kubeconfig: line 2, column 11: wrong shape: a list belongs here" },
        { "top-level-list", "- a\n- b\n", "not a valid kubeconfig: line 1, column 1: wrong shape: a mapping belongs here" },
        { "tab-indent", "users:\n\t- name: a\n", "not a valid kubeconfig: line " },
        { "duplicate-context", "contexts:\n- {name: x, context: {cluster: a}}\n- {name: x, context: {cluster: b}}\n", "two contexts named 'x'" },
        { "binary", "\u0001\u0002\u0003\u0000\u00ff", "not a valid kubeconfig" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_kubeconfig_is_one_line_naming_the_file(string name, string text, string expected)
    {
        string path = _dir.Write(name, text);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(KubeconfigScratch.Settings(("KUBECONFIG", path))));

        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
        Assert.StartsWith($"kubeconfig {path}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain(" at ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fifo_is_refused_without_being_opened()
    {
        string fifo = _dir["fifo"];
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var settings = KubeconfigScratch.Settings().With(KubernetesOptions.KubeConfig, fifo);

        var ex = Assert.Throws<CfirException>(() => new KubeConfigLoader(_dir["no-sa"]).Load(settings));

        Assert.Equal($"kubeconfig {fifo}: not a regular file (fifo); cfir opens nothing else", ex.Message);
    }

    [Fact]
    public void An_empty_kubeconfig_is_no_kubeconfig_as_for_kubectl()
    {
        string empty = _dir.Write("empty", "");

        var loader = new KubeConfigLoader(_dir["no-sa"]);
        Assert.Null(loader.Load(KubeconfigScratch.Settings(("KUBECONFIG", empty))));
    }

    [Fact]
    public void A_cluster_without_server_and_a_bad_CA_are_told_in_one_line()
    {
        string noServer = _dir.Write("no-server", Kubeconfigs.One(server: "\"\""));
        string badCa = _dir.Write("bad-ca", Kubeconfigs.One(clusterFields: "certificate-authority-data: \"%%% not base64\""));
        string missingCa = _dir.Write("missing-ca", Kubeconfigs.One(clusterFields: "certificate-authority: nowhere/ca.crt"));
        var loader = new KubeConfigLoader(_dir["no-sa"]);

        var server = Assert.Throws<CfirException>(() => loader.Load(KubeconfigScratch.Settings(("KUBECONFIG", noServer))));
        var data = Assert.Throws<CfirException>(() => loader.Load(KubeconfigScratch.Settings(("KUBECONFIG", badCa))));
        var file = Assert.Throws<CfirException>(() => loader.Load(KubeconfigScratch.Settings(("KUBECONFIG", missingCa))));

        Assert.Equal($"kubeconfig cluster 'cl' ({noServer}): has no server", server.Message);
        Assert.Equal($"kubeconfig cluster 'cl' ({badCa}): certificate-authority-data: not base64", data.Message);
        Assert.Equal($"kubeconfig cluster 'cl' ({missingCa}): certificate-authority {_dir["nowhere/ca.crt"]}: no such file", file.Message);
    }
}
