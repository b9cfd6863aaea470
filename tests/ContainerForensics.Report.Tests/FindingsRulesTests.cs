using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>
/// Every built-in rule fires on a container built to trip it, and stays silent on a clean one
/// (the test image at rest: busybox applets, root, default capabilities); every finding names
/// its evidence with the manifest's sha256.
/// </summary>
public sealed class FindingsRulesTests
{
    private const string Folder = "containers/docker/-/bad_0123456789ab";

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var r in RuleSet.BuiltIn().Rules)
        {
            data.Add(r.Rule.Id);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Each_rule_fires_on_a_compromised_container_with_evidence(string id)
    {
        var findings = FindingsEngine.Evaluate(Single(id), [Compromised()], Sha);
        var matched = findings.Where(x => x.Id == id && x.Container == Folder).ToList();
        Assert.NotEmpty(matched);
        Assert.All(matched, f =>
        {
            Assert.NotEmpty(f.Evidence);
            Assert.All(f.Evidence, e => Assert.Equal(Sha(e.Path), e.Sha256));
            Assert.Matches(@"^T\d{4}(\.\d{3})?$", f.Attack);
        });
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Each_rule_stays_at_or_below_low_on_a_clean_container(string id)
    {
        var findings = FindingsEngine.Evaluate(Single(id), [Clean()], Sha);
        Assert.DoesNotContain(findings, f => f.Severity > Severity.Low);
    }

    [Fact]
    public void A_clean_container_yields_nothing_above_low_and_only_the_root_note()
    {
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [Clean()], Sha);
        Assert.All(findings, f => Assert.True(f.Severity <= Severity.Low, $"{f.Id}: {f.Detail}"));
    }

    [Theory]
    [InlineData("sleep", "/bin/busybox", false)]        // a multi-call binary is many programs
    [InlineData("python3", "/usr/bin/python3.12", false)]
    [InlineData("-sh", "/bin/sh", false)]               // a login shell
    [InlineData("/usr/sbin/nginx", "/usr/sbin/nginx", false)]
    [InlineData("nginx: worker process", "/usr/sbin/nginx", false)]
    [InlineData("[kworker/0:1]", "/tmp/.x/miner", true)]
    [InlineData("sshd", "/usr/bin/xmrig", true)]
    public void Masquerading_compares_argv0_with_the_executable(string argv0, string exe, bool masquerades) =>
        Assert.Equal(masquerades, FindingsEngine.Masquerades(Process(1, argv0, exe), exe, ["busybox"]));

    [Theory]
    [InlineData("severity: severe", "severity")]
    [InlineData("attack: 1059", "attack")]
    [InlineData("match: { target: file, exeDeleted: true }", "a condition of target 'process'")]
    [InlineData("match: { target: process }", "no condition")]
    [InlineData("match: { target: deployment, uid0: true }", "target 'deployment'")]
    [InlineData("match: { target: pod, privileged: true }", "a condition of target 'container'")]
    public void A_defective_rule_is_refused_naming_it(string replace, string message)
    {
        string key = replace[..replace.IndexOf(':')];
        var lines = new List<string> { "rules:", "  - id: T-1", "    severity: high", "    title: t", "    attack: T1059.004", "    match: { target: process, exeDeleted: true }" };
        int at = lines.FindIndex(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
        lines[at] = "    " + replace;
        var ex = Assert.Throws<FormatException>(() => RuleSet.Parse(string.Join('\n', lines), "test.yaml"));
        Assert.Contains("rule 'T-1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_rules_with_one_id_are_refused() =>
        Assert.Throws<FormatException>(() => RuleSet.Parse(
            "rules:\n- {id: A, severity: low, title: t, attack: T1059, match: {target: container, privileged: true}}\n- {id: A, severity: low, title: t, attack: T1059, match: {target: container, privileged: true}}", "x"));

    private static RuleSet Single(string id)
    {
        // The built-in file, cut to one rule: each rule is tested on its own.
        var yaml = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "rules.yaml"));
        int start = yaml.IndexOf($"  - id: {id}\n", StringComparison.Ordinal);
        int end = yaml.IndexOf("\n  - id: ", start + 1, StringComparison.Ordinal);
        return RuleSet.Parse("rules:\n" + (end < 0 ? yaml[start..] : yaml[start..(end + 1)]), id);
    }

    private static string Sha(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path)));

    private static ProcessInfo Process(long pid, string argv0, string exe, bool deleted = false, string? stored = null, long uid = 0, string[]? caps = null, long[]? sockets = null) =>
        new(pid, 1, argv0.Split(' ')[0].Trim('[', ']', '-'), [argv0], deleted ? exe + " (deleted)" : exe, deleted, "ab", stored, uid, caps ?? [], sockets ?? []);

    [Fact]
    public void A_pod_with_only_its_service_account_token_and_a_reader_role_has_no_pod_finding()
    {
        var c = Clean();
        c.Pod = new KubernetesPod { PodPath = c.Folder + "/api/metadata/pod.json", GrantsPath = c.Folder + "/api/metadata/rbac/grants.json", ServiceAccount = "default" };
        Assert.DoesNotContain(FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], Sha), f => f.Id.StartsWith("CFIR-K8S-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_finding_from_a_full_tree_says_it_is_not_a_diff()
    {
        var c = new ContainerSummary("docker", Folder) { InspectPath = Folder + "/metadata/inspect.json" };
        c.Files.Add(new FileChange("/etc/ld.so.preload", Folder + "/filesystem/full/etc/ld.so.preload") { Kind = "file", Mode = 420, Change = "present" });
        c.Files.Add(new FileChange("/tmp/x", Folder + "/filesystem/full/tmp/x") { Kind = "file", Mode = 2541, Change = "present" });
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], Sha).Where(f => f.Id.StartsWith("CFIR-FS-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["CFIR-FS-LD-PRELOAD", "CFIR-FS-SETID-TMP", "CFIR-FS-EXEC-TMP"], findings.Select(f => f.Id));
        Assert.All(findings, f => Assert.Contains("not a diff against the image", f.Detail, StringComparison.Ordinal));
    }

    private static ContainerSummary Clean()
    {
        var c = new ContainerSummary("docker", "containers/docker/-/clean_0123456789ab")
        {
            InspectPath = "containers/docker/-/clean_0123456789ab/metadata/inspect.json",
            ProcessesPath = "containers/docker/-/clean_0123456789ab/volatile/processes.json",
        };
        c.Processes.Add(Process(10, "sleep", "/bin/busybox", caps: ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SETUID"]));
        c.Processes.Add(Process(11, "sh", "/bin/busybox"));
        c.Sockets.Add(new SocketInfo("tcp", "127.0.0.1", 40000, "127.0.0.1", 8080, "TIME_WAIT", 5, [], c.Folder + "/volatile/network/1/sockets.json"));
        c.Files.Add(new FileChange("/root/.ash_history", c.Folder + "/filesystem/changed/root/.ash_history") { Kind = "file", Mode = Convert.ToUInt32("600", 8), Change = "added" });
        c.Files.Add(new FileChange("/var/www/html/index.html", c.Folder + "/filesystem/changed/var/www/html/index.html") { Kind = "file", Mode = Convert.ToUInt32("644", 8), Change = "added" });
        // A full tree holds the image: its executables, SUID programs, crontabs and sudoers are no finding.
        foreach (var (path, mode) in new[] { ("/bin/busybox", "755"), ("/bin/su", "4755"), ("/etc/crontabs/root", "600"), ("/etc/sudoers", "440"), ("/root/.ssh/authorized_keys", "600"), ("/etc/profile", "644") })
        {
            c.Files.Add(new FileChange(path, c.Folder + "/filesystem/full" + path) { Kind = "file", Mode = Convert.ToUInt32(mode, 8), Change = "present" });
        }
        c.Accounts.Add(new AccountEntry("/etc/shadow", "root", null, true, c.Folder + "/filesystem/full/etc/shadow") { FullTree = true });
        return c;
    }

    private static ContainerSummary Compromised()
    {
        var c = new ContainerSummary("docker", Folder)
        {
            InspectPath = Folder + "/metadata/inspect.json",
            ProcessesPath = Folder + "/volatile/processes.json",
            Privileged = true,
            HostPid = true,
            SeccompOff = true,
            SeccompAbsent = true,
            Pod = new KubernetesPod { PodPath = Folder + "/api/metadata/pod.json", GrantsPath = Folder + "/api/metadata/rbac/grants.json", ServiceAccount = "web" },
        };
        c.Pod.ClusterAdmin.Add(new AdminGrant("ClusterRoleBinding web-ops-admin", "cluster", "cluster-admin", "the ClusterRole cluster-admin",
            Folder + "/api/metadata/rbac/clusterrolebindings/web-ops-admin.json", Folder + "/api/metadata/rbac/clusterroles/cluster-admin.json"));
        c.Pod.HostPaths.Add(new HostPathVolume("root", "/"));
        c.Pod.Secrets.Add(new SecretVolume("db", "web-db"));
        c.Pod.SecretDigests["web-db"] = Folder + "/api/metadata/secrets/web-db.json";
        c.CapAdd.Add("SYS_ADMIN");
        c.HostMounts.AddRange(["/", "/var/run/docker.sock"]);
        c.Processes.Add(Process(20, "/tmp/nc -l -p 4444", "/tmp/nc", deleted: true, stored: Folder + "/volatile/processes/20/exe", sockets: [77]));
        c.Processes.Add(Process(21, "/tmp/sleep", "/tmp/sleep", stored: Folder + "/volatile/processes/21/exe"));
        c.Processes.Add(Process(22, "[kworker/0:1]", "/usr/local/bin/miner", caps: ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]));
        c.Sockets.Add(new SocketInfo("tcp", "::", 4444, "::", 0, "LISTEN", 77, [20], Folder + "/volatile/network/1/sockets.json"));
        void File(string path, string mode, string change = "added", string? hit = null)
        {
            var f = new FileChange(path, Folder + (change == "present" ? "/filesystem/full" : "/filesystem/changed") + path) { Kind = "file", Mode = Convert.ToUInt32(mode, 8), Change = change };
            if (hit is not null)
            {
                f.ContentMatches["CFIR-FS-WEBSHELL"] = hit;
            }
            c.Files.Add(f);
        }
        File("/tmp/sleep", "755");
        File("/usr/local/bin/suid", "4755");
        File("/etc/sudoers.d/evil", "440");
        File("/etc/crontab", "644", "changed");
        File("/etc/ld.so.preload", "644");
        File("/root/.ssh/authorized_keys", "600");
        File("/root/.bashrc", "644", "changed");
        File("/var/www/html/shell.php", "644", hit: "system(");
        File("/tmp/.x/suid", "4755", "present");
        File("/dev/shm/run", "755", "present");
        c.Accounts.Add(new AccountEntry("/etc/passwd", "evil", "0", false, Folder + "/filesystem/changed/etc/passwd"));
        c.Accounts.Add(new AccountEntry("/etc/shadow", "nopass", null, true, Folder + "/filesystem/changed/etc/shadow"));
        return c;
    }
}
