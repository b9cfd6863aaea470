using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Kubernetes;
using ContainerForensics.Kubernetes.Connection;
using ContainerForensics.TestSupport.Kubernetes;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// cfir pointed at a Kubernetes API server (the stand-in: Kestrel, TLS, bearer token) through a
/// kubeconfig: a kubeconfig that cannot be used ends the run with exit 2 and one line on stderr
/// before anything is written or run; an allowed exec plugin runs and the acquisition record
/// says so; list shows pods. Failures run the real cfir process (its whole stderr is the one
/// line); listings run in process with the test's own environment.
/// </summary>
public sealed class KubernetesCliTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private StandInApiServer _server = null!;

    public async Task InitializeAsync() => _server = await StandInApiServer.StartAsync(new StandInCluster());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    /// <summary>A HOME without a kubeconfig, so the machine's own never leaks in.</summary>
    private Dictionary<string, string?> Environment(params (string Name, string? Value)[] more)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["HOME"] = _dir["home"] };
        foreach (var (name, value) in more)
        {
            env[name] = value;
        }
        return env;
    }

    /// <summary>Asserts exit 2, stderr exactly one "cfir: error: " line, nothing on stdout, and no file in the output directory.</summary>
    private static string AssertRefusedInOneLine(ProcessResult result, string outputDirectory)
    {
        Assert.True(result.ExitCode == (int)ExitCode.UsageError, result.Describe());
        Assert.Empty(result.Stdout);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("cfir: error: ", line, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outputDirectory));
        return line;
    }

    [Fact]
    public async Task Collect_MalformedKubeconfig_ExitsTwoWithOneLineNamingTheFileAndWritesNothing()
    {
        string kubeconfig = Path.Combine(_dir.Path, "broken-kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, "apiVersion: v1\nclusters:\n- name: a\n   cluster:\n  server: x\n");
        string output = Directory.CreateDirectory(_dir["out"]).FullName;

        var result = await CfirProcess.RunAsync(
            ["collect", "--runtime", "kubernetes", "--kubeconfig", kubeconfig, "-o", Path.Combine(output, "case.tar")], Environment(), workingDirectory: output);

        string line = AssertRefusedInOneLine(result, output);
        Assert.StartsWith($"cfir: error: kubeconfig {kubeconfig}: not a valid kubeconfig: line 4", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_UnknownContext_ExitsTwoWithOneLineNamingTheContextAndTheFile()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        string output = Directory.CreateDirectory(_dir["out"]).FullName;

        var result = await CfirProcess.RunAsync(["list", "--kubeconfig", kubeconfig, "--context", "prod"], Environment(), workingDirectory: output);

        string line = AssertRefusedInOneLine(result, output);
        Assert.Equal($"cfir: error: kubeconfig {kubeconfig}: no context 'prod' (the --context); it defines 'stand-in'", line);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Collect_ExecPluginWithoutTheFlag_ExitsTwoNamingTheCommandAndTheFlagAndRunsNothing()
    {
        string marker = _dir["plugin-ran"];
        string plugin = WritePlugin(marker);
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions
        {
            Credential = KubeconfigCredential.None,
            ExtraUserYaml = $"exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {plugin}\n  args: [--cluster, stand-in]",
        });
        string output = Directory.CreateDirectory(_dir["out"]).FullName;

        // auto with a Kubernetes option given: the kubeconfig is looked at, and refused.
        var result = await CfirProcess.RunAsync(
            ["collect", "--runtime", "kubernetes", "-o", Path.Combine(output, "case.tar"), "-f", "tar"], Environment(("KUBECONFIG", kubeconfig)), workingDirectory: output);

        string line = AssertRefusedInOneLine(result, output);
        Assert.Equal(
            $"cfir: error: kubeconfig user 'stand-in-user' (context 'stand-in') would run an exec credential plugin: '{plugin} --cluster stand-in'; not run. "
            + "A kubeconfig on a compromised host may be the attacker's: give --allow-exec-plugin to run it", line);
        Assert.False(File.Exists(marker));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task List_AuthProviderWithoutTheFlag_ExitsTwoNamingTheProvider()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions
        {
            Credential = KubeconfigCredential.None,
            ExtraUserYaml = "auth-provider:\n  name: oidc\n  config:\n    client-id: k\n    idp-issuer-url: https://issuer.invalid\n    id-token: a.b.c\n    refresh-token: r",
        });
        string output = Directory.CreateDirectory(_dir["out"]).FullName;

        var result = await CfirProcess.RunAsync(["list", "--kubeconfig", kubeconfig], Environment(), workingDirectory: output);

        string line = AssertRefusedInOneLine(result, output);
        Assert.Contains("would use the auth provider 'oidc'; not used.", line, StringComparison.Ordinal);
        Assert.EndsWith("give --allow-exec-plugin to use it", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collect_ExecPluginAllowed_RunsItConnectsWithItsTokenAndRecordsTheCommand()
    {
        string marker = _dir["plugin-ran"];
        string plugin = WritePlugin(marker);
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"], new KubeconfigOptions
        {
            Credential = KubeconfigCredential.None,
            ExtraUserYaml = $"exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {plugin}\n  args: [--cluster, stand-in]",
        });
        string archive = _dir["case.tar"];

        var result = await CfirProcess.RunAsync(
            ["collect", "--runtime", "kubernetes", "--kubeconfig", kubeconfig, "--allow-exec-plugin", "-q", "-f", "tar", "-o", archive], Environment());

        Assert.True(result.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, result.Describe());
        Assert.True(File.Exists(marker));
        Assert.NotEmpty(_server.Requests);
        Assert.All(_server.Requests, r => Assert.Equal(StandInUser.Admin.Username, r.User));
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        var kubernetes = Assert.Single(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("name").GetString() == "kubernetes");
        Assert.True(kubernetes.GetProperty("answered").GetBoolean());
        Assert.Equal("exec", kubernetes.GetProperty("authentication").GetString());
        Assert.Equal($"{plugin} --cluster stand-in", kubernetes.GetProperty("execCommand").GetString());
        Assert.Equal("--kubeconfig", kubernetes.GetProperty("source").GetString());
        Assert.Equal(kubeconfig, kubernetes.GetProperty("kubeconfig").GetString());
        Assert.Equal("stand-in", kubernetes.GetProperty("context").GetString());
        Assert.Equal("false", kubernetes.GetProperty("insecureSkipTlsVerify").GetString());
    }

    [Fact]
    public async Task List_PodsFromKUBECONFIG_AreNamespaceNameStateAndUid_AndTheJsonCarriesThem()
    {
        _server.Cluster.Add("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"shop","uid":"0b4e6a2c-9a52-4c1e-8d3f-1c0ffee00001"},"spec":{"initContainers":[{"name":"setup","image":"busybox"}],"containers":[{"name":"web","image":"nginx:1.27"},{"name":"proxy","image":"envoy"}],"ephemeralContainers":[{"name":"debugger","image":"busybox"}]},"status":{"phase":"Running"}}""");
        _server.Cluster.Add("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"job-x","namespace":"batch","uid":"0b4e6a2c-9a52-4c1e-8d3f-1c0ffee00002"},"spec":{"containers":[{"name":"job","image":"busybox"}]},"status":{"phase":"Succeeded"}}""");
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        var stderr = new StringWriter();
        var stdout = new MemoryStream();
        var env = InProcess(stderr, stdout, ("KUBECONFIG", $"{_dir["missing"]}:{kubeconfig}"));

        int text = await Program.RunAsync(["list", "--runtime", "kubernetes"], env, null, () => Stream.Null);
        int json = await Program.RunAsync(["list", "--runtime", "kubernetes", "--json"], env, null, () => Stream.Null);

        Assert.True(text == 0, stderr.ToString());
        Assert.Equal(0, json);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"kubernetes at {_server.BaseUri.GetLeftPart(UriPartial.Authority)}", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("version v1.32.4, 2 pod(s)", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^\s+NAMESPACE/NAME\s+STATE\s+UID\s+CONTAINERS$", lines[1]);
        Assert.Matches(@"^\s+batch/job-x\s+exited\s+0b4e6a2c-9a52-4c1e-8d3f-1c0ffee00002\s+job$", lines[2]);
        Assert.Matches(@"^\s+shop/web-0\s+running\s+0b4e6a2c-9a52-4c1e-8d3f-1c0ffee00001\s+init:setup, web, proxy, ephemeral:debugger$", lines[3]);

        using var doc = JsonDocument.Parse(stdout.ToArray());
        var runtime = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.True(runtime.GetProperty("answered").GetBoolean());
        var web = Assert.Single(runtime.GetProperty("containers").EnumerateArray(), c => c.GetProperty("pod").GetString() == "shop/web-0");
        Assert.Equal("pod", web.GetProperty("kind").GetString());
        Assert.Equal("0b4e6a2c-9a52-4c1e-8d3f-1c0ffee00001", web.GetProperty("id").GetString());
        Assert.Equal("0b4e6a2c-9a52-4c1e-8d3f-1c0ffee00001", web.GetProperty("podUid").GetString());
        Assert.Equal("running", web.GetProperty("state").GetString());
        Assert.Equal("nginx:1.27", web.GetProperty("image").GetString());
        Assert.Equal(["init:setup", "web", "proxy", "ephemeral:debugger"], web.GetProperty("podContainers").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task List_KubernetesIsNotProbedByAutoUnlessOneOfItsOptionsIsGiven()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        var stderr = new StringWriter();
        var env = InProcess(stderr, new MemoryStream(), ("KUBECONFIG", kubeconfig));

        int plain = await Program.RunAsync(["list"], env, null, () => Stream.Null);
        Assert.Equal((int)ExitCode.NoRuntime, plain);
        Assert.Contains("kubernetes at -: not available (not probed by --runtime auto: name it with --runtime kubernetes)", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(_server.Requests);

        int withOption = await Program.RunAsync(["list", "-n", "default"], env, null, () => Stream.Null);
        Assert.True(withOption == 0, stderr.ToString());
        Assert.NotEmpty(_server.Requests);
    }

    [Fact]
    public async Task List_AllNamespacesWithANamespace_ExitsTwo()
    {
        var stderr = new StringWriter();
        var env = InProcess(stderr, new MemoryStream());

        int code = await Program.RunAsync(["list", "-A", "-n", "kube-system"], env, null, () => Stream.Null);

        Assert.Equal((int)ExitCode.UsageError, code);
        Assert.StartsWith("cfir: error: -A and -n contradict each other", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("collect")]
    [InlineData("list")]
    public async Task Help_OffersTheKubernetesOptionsWithoutClashingWithOthers(string command)
    {
        var result = await CfirProcess.RunAsync(command, "--help");

        Assert.True(result.ExitCode == 0, result.Describe());
        foreach (string option in (string[])["--kubeconfig <PATH>", "--context <NAME>", "-n, --namespace <NS>", "-A, --all-namespaces", "--allow-exec-plugin", "--secret-values"])
        {
            Assert.Contains(option, result.StdoutText, StringComparison.Ordinal);
        }
        Assert.Contains("kubernetes", result.StdoutText, StringComparison.Ordinal);
    }

    /// <summary>Only the Kubernetes provider, with no service account directory: the machine's runtimes and its pod (if any) stay out.</summary>
    private CliEnvironment InProcess(StringWriter stderr, MemoryStream stdout, params (string Name, string? Value)[] variables) => new()
    {
        Providers = () => [new KubernetesRuntimeProvider(new KubeConfigLoader(_dir["no-service-account"]))],
        Variables = Environment(variables),
        Stderr = stderr,
        StdoutIsTerminal = false,
        OpenStdout = () => stdout,
        WorkingDirectory = _dir.Path,
    };

    /// <summary>An exec credential plugin: leaves a marker, prints an ExecCredential with the stand-in's token.</summary>
    private string WritePlugin(string marker)
    {
        string path = _dir["bin/token-plugin"];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $$$"""
            #!/bin/sh
            touch '{{{marker}}}'
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"{{{_server.Token}}}"}}'
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
