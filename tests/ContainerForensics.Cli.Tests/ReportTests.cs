using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>cfir report</c> on a real collection of the quickstart's compromised container and a
/// clean one: each expected finding with its evidence, nothing above low on the clean one; the
/// HTML opened in Debian's headless Chromium (<c>--dump-dom</c>, console messages on stderr);
/// a tampered archive reported as such at the top.
/// </summary>
public sealed class ReportTests
{
    // Plants what the rules look for; /dev/shm is noexec in Docker, so the deleted binary runs from /tmp.
    private const string Compromise =
        "echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd; mkdir -p /var/www/html; echo '<?php system($_GET[\"c\"]); ?>' > /var/www/html/shell.php; "
        + "cp /bin/busybox /usr/local/bin/suid; chmod 4755 /usr/local/bin/suid; echo '* * * * * /tmp/sleep' > /etc/crontab; "
        + "cp /bin/busybox /tmp/sleep; /tmp/sleep 3601 & echo 'fetching /tmp/nc from 203.0.113.7'; cp /bin/busybox /tmp/nc; /tmp/nc -l -p 4444 & sleep 1; rm /tmp/nc; "
        + "printf 'started \\033[31mred\\033[0m <script>alert(1)</script>\\n'; mkdir -p '/tmp/<script>alert(1)<'; cp /bin/busybox '/tmp/<script>alert(1)</script>'; "
        + "exec sleep 3600";

    [EngineFact(Engine.Docker)]
    public async Task The_compromised_container_has_its_findings_the_clean_one_none_above_low_and_the_html_is_inert()
    {
        await using var bad = await PlantedContainer.DockerAsync(script: Compromise, namePrefix: "rp-bad-");
        await using var clean = await PlantedContainer.DockerAsync(script: "sleep 3600", namePrefix: "rp-clean-");
        using var dir = new TempDirectory();
        string archive = dir["a.tar"];
        await Task.Delay(2000);
        var collect = await CfirProcess.RunAsync(["collect", bad.Name, clean.Name, .. CfirProcess.DockerFlags, "-o", archive, "-f", "tar", "--json"], environment: null);
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
        // collect ends with the findings summary: on stderr, and in --json.
        Assert.Contains("cfir: findings: ", collect.Stderr, StringComparison.Ordinal);
        Assert.Contains("critical CFIR-", collect.Stderr, StringComparison.Ordinal);
        List<string> summaryFindings;
        using (var summary = JsonDocument.Parse(collect.Stdout))
        {
            Assert.Contains(summary.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "CFIR-FS-WEBSHELL");
            summaryFindings = FindingKeys(summary.RootElement);
        }
        // A zip's findings are read back from its file, a tar's from its stream as it was written: the same rules, the same answers.
        var zip = await CfirProcess.RunAsync(["collect", bad.Name, clean.Name, .. CfirProcess.DockerFlags, "-o", dir["z.zip"], "-f", "zip", "--json"], environment: null);
        Assert.True(zip.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, zip.Describe());
        using (var summary = JsonDocument.Parse(zip.Stdout))
        {
            Assert.Contains(summary.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "CFIR-FS-WEBSHELL");
        }
        var quiet = await CfirProcess.RunAsync(["collect", clean.Name, .. CfirProcess.DockerFlags, "-o", dir["c.tar"], "-f", "tar", "--json", "--no-findings"], environment: null);
        Assert.True(quiet.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, quiet.Describe());
        Assert.DoesNotContain("cfir: findings", quiet.Stderr, StringComparison.Ordinal);
        using (var summary = JsonDocument.Parse(quiet.Stdout))
        {
            Assert.False(summary.RootElement.TryGetProperty("findings", out _));
        }

        var json = await CfirProcess.RunAsync("report", archive, "-f", "json", "-o", "-");
        Assert.True(json.ExitCode == 0, json.Describe());
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.True(doc.RootElement.GetProperty("verification").GetProperty("ok").GetBoolean());
        // The triage pass reads without hashing: the sha256 shown is the verification's, of the whole file.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(archive))), doc.RootElement.GetProperty("archiveSha256").GetString());
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.Clone()).ToList();
        // The summary collect made from the stream it wrote is what cfir report finds in the file.
        Assert.Equal(FindingKeys(doc.RootElement), summaryFindings);
        string badFolder = $"containers/docker/-/{bad.Name}_{bad.Id[..12]}";
        string cleanFolder = $"containers/docker/-/{clean.Name}_{clean.Id[..12]}";
        foreach (string id in new[] { "CFIR-ACCOUNT-UID0", "CFIR-FS-WEBSHELL", "CFIR-NET-SHELL-SOCKET", "CFIR-FS-CRON", "CFIR-FS-SETID", "CFIR-PROC-DELETED-EXE", "CFIR-PROC-EXE-TMP", "CFIR-FS-ADDED-EXECUTABLE", "CFIR-PROC-EXE-WRITABLE" })
        {
            var f = findings.FirstOrDefault(x => x.GetProperty("id").GetString() == id && x.GetProperty("container").GetString() == badFolder);
            Assert.True(f.ValueKind == JsonValueKind.Object, $"no {id} finding in {badFolder}:\n{json.StdoutText}");
            var evidence = f.GetProperty("evidence").EnumerateArray().ToList();
            Assert.NotEmpty(evidence);
            Assert.All(evidence, e => Assert.StartsWith(badFolder + "/", e.GetProperty("path").GetString(), StringComparison.Ordinal));
            Assert.Contains(evidence, e => e.GetProperty("sha256").GetString() is { Length: 64 });
            Assert.Matches(@"^T\d{4}", f.GetProperty("attack").GetString());
        }
        Assert.DoesNotContain(findings, f => f.GetProperty("container").GetString() == cleanFolder
            && f.GetProperty("severity").GetString() is not ("info" or "low"));

        string html = dir["r.html"];
        var report = await CfirProcess.RunAsync("report", archive, "-o", html);
        Assert.True(report.ExitCode == 0, report.Describe());
        var chromium = await ProcessRunner.RunAsync("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + html]);
        Assert.True(chromium.ExitCode == 0, chromium.Describe());
        string dom = chromium.StdoutText;
        // Chromium writes every console message (a CSP violation, a script error) as ":CONSOLE" on stderr.
        Assert.DoesNotContain(":CONSOLE", chromium.Stderr, StringComparison.Ordinal);
        Assert.Contains("data-rule=\"CFIR-NET-SHELL-SOCKET\"", dom, StringComparison.Ordinal);
        Assert.Contains("data-rule=\"CFIR-FS-WEBSHELL\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/tmp/&lt;script&gt;alert(1)&lt;/script&gt;", dom, StringComparison.Ordinal);
        Assert.Contains("started \\x1b[31mred\\x1b[0m", dom, StringComparison.Ordinal);
        // The log line that names the deleted executable, marked, in the finding's excerpt; none for the clean container.
        int excerpt = dom.IndexOf("class=\"excerpt\" data-rule=\"CFIR-PROC-DELETED-EXE\"", StringComparison.Ordinal);
        Assert.True(excerpt > 0, "no log excerpt for CFIR-PROC-DELETED-EXE");
        Assert.Contains("fetching /tmp/nc from 203.0.113.7</mark>", dom[excerpt..], StringComparison.Ordinal);
        Assert.Contains(badFolder + "/logs/stdout.log</code> sha256 <code>", dom[excerpt..], StringComparison.Ordinal);
        Assert.DoesNotContain($"class=\"excerpt\" data-rule=\"CFIR-CTR-ROOT\"", dom, StringComparison.Ordinal);
        // The last lines of each container's logs are still shown, beside the excerpts.
        Assert.Contains("Log excerpt (the last lines)", dom, StringComparison.Ordinal);
        Assert.DoesNotMatch("class=\"excerpt\"[^>]*>[^<]*in <code>" + System.Text.RegularExpressions.Regex.Escape(cleanFolder), dom);
        Assert.DoesNotContain("\u001b", dom, StringComparison.Ordinal);

        // One byte of the compromised container's inspect.json flipped: the report says so first.
        byte[] bytes = await File.ReadAllBytesAsync(archive);
        byte[] content = await ArchiveTools.ReadMemberAsync(archive, badFolder + "/metadata/inspect.json");
        int start = bytes.AsSpan().IndexOf(content);
        Assert.True(start > 0);
        bytes[start + content.Length / 2] ^= 0x20;
        string tampered = dir["t.tar"];
        await File.WriteAllBytesAsync(tampered, bytes);
        string tamperedHtml = dir["t.html"];
        var failed = await CfirProcess.RunAsync("report", tampered, "-o", tamperedHtml);
        Assert.True(failed.ExitCode == (int)ExitCode.VerificationFailed, failed.Describe());
        string text = await File.ReadAllTextAsync(tamperedHtml);
        int at = text.IndexOf("VERIFICATION FAILED", StringComparison.Ordinal);
        Assert.True(at > 0 && at < text.IndexOf("id=\"acquisition\"", StringComparison.Ordinal), "the failure is not at the top");
        Assert.Contains(badFolder + "/metadata/inspect.json", text[..text.IndexOf("id=\"acquisition\"", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    /// <summary>
    /// containerd's containers have no inspect: their privileges come from the OCI spec, so the
    /// privilege rules fire on a ctr container given CAP_SYS_PTRACE and the host's network (no
    /// network namespace in its spec), and a plain one stays at or below low. (Joining the host's
    /// PID namespace by path, <c>--with-ns pid:/proc/1/ns/pid</c>, fails in runc on this VM: the
    /// unit tests read it from a spec ctr stored.)
    /// </summary>
    [EngineFact(Engine.Containerd)]
    public async Task A_containerd_containers_privileges_come_from_its_spec()
    {
        await using var bad = await PlantedContainer.ContainerdAsync("default", "--cap-add", "CAP_SYS_PTRACE", "--net-host");
        await using var clean = await PlantedContainer.ContainerdAsync("default");
        using var dir = new TempDirectory();
        string archive = dir["c.tar"];
        var collect = await CfirProcess.RunAsync(["collect", bad.Name, clean.Name, .. CfirProcess.ContainerdFlags, "-o", archive, "-f", "tar", "--filesystem", "none"], environment: null);
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
        var json = await CfirProcess.RunAsync("report", archive, "-f", "json", "-o", "-");
        Assert.True(json.ExitCode == 0, json.Describe());
        using var doc = JsonDocument.Parse(json.Stdout);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.Clone()).ToList();
        string badFolder = $"containers/containerd/default/{bad.Name}";
        string cleanFolder = $"containers/containerd/default/{clean.Name}";
        foreach (var (id, says) in new[] { ("CFIR-CTR-HOST-NAMESPACES", "host namespaces: network"), ("CFIR-CTR-ADDED-CAPS", "CAP_SYS_PTRACE") })
        {
            var f = findings.FirstOrDefault(x => x.GetProperty("id").GetString() == id && x.GetProperty("container").GetString() == badFolder);
            Assert.True(f.ValueKind == JsonValueKind.Object, $"no {id} in {badFolder}:\n{json.StdoutText}");
            Assert.Contains(says, f.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var evidence = Assert.Single(f.GetProperty("evidence").EnumerateArray());
            Assert.Equal(badFolder + "/metadata/spec.json", evidence.GetProperty("path").GetString());
            Assert.Matches("^[0-9a-f]{64}$", evidence.GetProperty("sha256").GetString());
        }
        Assert.DoesNotContain(findings, f => f.GetProperty("container").GetString() == cleanFolder
            && f.GetProperty("severity").GetString() is not ("info" or "low"));
        var container = Assert.Single(doc.RootElement.GetProperty("containers").EnumerateArray(), c => c.GetProperty("folder").GetString() == badFolder);
        Assert.True(!container.GetProperty("hostPid").GetBoolean() && container.GetProperty("hostNetwork").GetBoolean());
    }

    /// <summary>
    /// A namespace a container shares with the host shows from /proc whatever the engine says:
    /// Podman 4.3's inspect says <c>IpcMode: shareable</c> of a container run with
    /// <c>--ipc host</c>, and its process's <c>ns/ipc</c> is the host's (processes.json's
    /// <c>hostNamespaces</c>), so the report says host IPC, and the finding says where it was seen
    /// and rests on processes.json too.
    /// </summary>
    [EngineFact(Engine.Podman)]
    public async Task A_namespace_shared_with_the_host_shows_from_proc_when_the_engine_does_not_say_it()
    {
        string name = PlantedContainer.NewName();
        string id = await ProcessRunner.CheckedAsync("podman", "--remote", "--url", PlantedContainer.PodmanHost, "run", "-d", "--network", "none", "--name", name,
            "--ipc", "host", RigEnvironment.Image, "sleep", "3600");
        try
        {
            string said = await ProcessRunner.CheckedAsync("podman", "--remote", "--url", PlantedContainer.PodmanHost, "inspect", "--format", "{{.HostConfig.IpcMode}}", name);
            using var dir = new TempDirectory();
            string archive = dir["p.tar"];
            var collect = await CfirProcess.RunAsync(["collect", name, "--runtime", "podman", "--filesystem", "none", "-f", "tar", "-o", archive, "-q"], CfirProcess.PodmanEnvironment);
            Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
            var json = await CfirProcess.RunAsync("report", archive, "-f", "json", "-o", "-");
            Assert.True(json.ExitCode == 0, json.Describe());
            using var doc = JsonDocument.Parse(json.Stdout);
            var container = Assert.Single(doc.RootElement.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
            string folder = container.GetProperty("folder").GetString()!;
            Assert.True(container.GetProperty("hostIpc").GetBoolean(), json.StdoutText);
            Assert.False(container.GetProperty("hostNetwork").GetBoolean() || container.GetProperty("hostPid").GetBoolean());
            var finding = Assert.Single(doc.RootElement.GetProperty("findings").EnumerateArray(),
                f => f.GetProperty("id").GetString() == "CFIR-CTR-HOST-NAMESPACES" && f.GetProperty("container").GetString() == folder);
            var evidence = finding.GetProperty("evidence").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
            if (said != "host")
            {
                Assert.Contains("IPC (seen in /proc", finding.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Equal([folder + "/metadata/inspect.json", folder + "/volatile/processes.json"], evidence);
            }
        }
        finally
        {
            await ProcessRunner.RunAsync("podman", ["--remote", "--url", PlantedContainer.PodmanHost, "rm", "-f", "-t", "0", name]);
        }
    }

    /// <summary>
    /// With <c>--filesystem full</c> only (no writable layer to diff), the rules that read a full
    /// tree fire and say so (ld.so.preload present, a web shell, SUID and executables in /tmp); the
    /// image's own executables, SUID programs and account files give nothing above low.
    /// </summary>
    [EngineFact(Engine.Docker)]
    public async Task On_a_full_tree_the_full_tree_rules_fire_and_say_it_is_not_a_diff()
    {
        const string plant = "echo /tmp/x.so > /etc/ld.so.preload; mkdir -p /var/www/html; echo '<?php eval(base64_decode($_POST[\"p\"])); ?>' > /var/www/html/up.php; "
            + "cp /bin/busybox /tmp/.s; chmod 4755 /tmp/.s; exec sleep 3600";
        await using var bad = await PlantedContainer.DockerAsync(script: plant, namePrefix: "rp-full-bad-");
        await using var clean = await PlantedContainer.DockerAsync(script: "sleep 3600", namePrefix: "rp-full-clean-");
        using var dir = new TempDirectory();
        string archive = dir["f.tar"];
        await Task.Delay(1000);
        var collect = await CfirProcess.RunAsync(["collect", bad.Name, clean.Name, .. CfirProcess.DockerFlags, "-o", archive, "-f", "tar", "--filesystem", "full", "--no-findings"], environment: null);
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
        var json = await CfirProcess.RunAsync("report", archive, "-f", "json", "-o", "-");
        Assert.True(json.ExitCode == 0, json.Describe());
        using var doc = JsonDocument.Parse(json.Stdout);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.Clone()).ToList();
        string badFolder = $"containers/docker/-/{bad.Name}_{bad.Id[..12]}";
        string cleanFolder = $"containers/docker/-/{clean.Name}_{clean.Id[..12]}";
        foreach (var (id, path) in new[] { ("CFIR-FS-LD-PRELOAD", "/etc/ld.so.preload"), ("CFIR-FS-WEBSHELL", "/var/www/html/up.php"), ("CFIR-FS-SETID-TMP", "/tmp/.s"), ("CFIR-FS-EXEC-TMP", "/tmp/.s") })
        {
            var f = findings.FirstOrDefault(x => x.GetProperty("id").GetString() == id && x.GetProperty("container").GetString() == badFolder);
            Assert.True(f.ValueKind == JsonValueKind.Object, $"no {id} in {badFolder}:\n{json.StdoutText}");
            Assert.Contains("not a diff against the image", f.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var evidence = Assert.Single(f.GetProperty("evidence").EnumerateArray());
            Assert.Equal(badFolder + "/filesystem/full" + path, evidence.GetProperty("path").GetString());
            Assert.Matches("^[0-9a-f]{64}$", evidence.GetProperty("sha256").GetString());
        }
        // The writable-layer rules do not read a full tree: busybox, the image's passwd and crontabs are not "added".
        Assert.DoesNotContain(findings, f => f.GetProperty("id").GetString() is "CFIR-FS-ADDED-EXECUTABLE" or "CFIR-FS-SETID" or "CFIR-ACCOUNT-NO-PASSWORD");
        Assert.DoesNotContain(findings, f => f.GetProperty("container").GetString() == cleanFolder
            && f.GetProperty("severity").GetString() is not ("info" or "low"));
    }

    /// <summary>Each finding as "id container evidence-path sha256 ...", sorted: what must agree between two readings of one archive.</summary>
    private static List<string> FindingKeys(JsonElement root) =>
        root.GetProperty("findings").EnumerateArray()
            .Select(f => string.Join(' ', [f.GetProperty("id").GetString(), f.GetProperty("container").GetString(),
                .. f.GetProperty("evidence").EnumerateArray().Select(e => $"{e.GetProperty("path").GetString()}={e.GetProperty("sha256").GetString()}")]))
            .Order(StringComparer.Ordinal).ToList();
}
