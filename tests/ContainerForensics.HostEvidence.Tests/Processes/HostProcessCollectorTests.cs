using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.HostEvidence.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>
/// The collector against real Docker containers planted with the docker CLI; the init pid comes
/// from the real DockerRuntime. The collector itself never execs into a container: the tests
/// only use exec to plant processes, and check .ExecIDs where no planting exec was made.
/// </summary>
public sealed class HostProcessCollectorTests : IDisposable
{
    private readonly DockerCli _docker = new();

    public void Dispose() => _docker.Dispose();

    [EngineFact(Engine.Docker)]
    public async Task Init_process_evidence_is_complete_and_decoded()
    {
        string name = DockerCli.NewName("basic");
        string id = _docker.RunShell(name, "sleep 3601 & touch /tmp/ready; exec sleep 3600");
        int pid = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{pid}/root/tmp/ready"), "the container to start");
        int second = await Eventually.UntilSome(() => ChildrenOf(pid).Cast<int?>().FirstOrDefault(), "the second sleep");

        var sink = await CollectAsync(id);

        foreach (var raw in new[] { "cmdline", "environ", "status", "stat", "maps", "limits", "cgroup", "mountinfo", "loginuid", "exe" })
        {
            var item = sink[$"processes/{pid}/{raw}"];
            Assert.Equal(EntryStatus.Collected, item.Status);
            Assert.NotNull(item.Sha256);
        }
        Assert.Equal("sleep\03600\0"u8.ToArray(), sink[$"processes/{pid}/cmdline"].Content);
        Assert.StartsWith($"{pid} (sleep) ", sink[$"processes/{pid}/stat"].Text, StringComparison.Ordinal);
        Assert.Equal("/bin/busybox"u8.ToArray(), sink[$"processes/{pid}/exe-target"].Item.Metadata.LinkTarget);
        Assert.Equal("/"u8.ToArray(), sink[$"processes/{pid}/cwd"].Item.Metadata.LinkTarget);
        Assert.Equal(EntryKind.Symlink, sink[$"processes/{pid}/fd/0"].Item.Metadata.Kind);
        Assert.StartsWith("net:[", Encoding.UTF8.GetString(sink[$"processes/{pid}/ns/net"].Item.Metadata.LinkTarget!), StringComparison.Ordinal);

        var process = ProcessOf(sink, pid);
        Assert.Equal("sleep", process.GetProperty("name").GetString());
        Assert.Equal(["sleep", "3600"], process.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("/bin/busybox", process.GetProperty("exe").GetString());
        Assert.False(process.GetProperty("deleted").GetBoolean());
        Assert.Equal(sink[$"processes/{pid}/exe"].Sha256, process.GetProperty("exeSha256").GetString());
        Assert.Equal(1, process.GetProperty("nspid").EnumerateArray().Last().GetInt32());
        Assert.Equal(0, process.GetProperty("uid").GetProperty("effective").GetInt64());
        Assert.Contains(process.GetProperty("cgroup").EnumerateArray(), l => l.GetString()!.Contains(id, StringComparison.Ordinal));

        // The same executable is stored once; the second process points at it.
        var again = sink[$"processes/{second}/exe"];
        Assert.Equal(EntryStatus.Skipped, again.Status);
        Assert.Contains("already stored as test/processes/" + pid.ToString(CultureInfo.InvariantCulture) + "/exe", again.Reason, StringComparison.Ordinal);
        var secondProcess = ProcessOf(sink, second);
        Assert.Equal(process.GetProperty("exeSha256").GetString(), secondProcess.GetProperty("exeSha256").GetString());
        Assert.False(secondProcess.TryGetProperty("items", out _));

        using var capture = JsonDocument.Parse(sink["capture.json"].Content);
        Assert.Equal("pid namespace", capture.RootElement.GetProperty("selectedBy").GetString());
        Assert.Equal([pid, second], capture.RootElement.GetProperty("pids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(capture.RootElement.GetProperty("initCgroupNamesContainer").GetBoolean());
        Assert.Equal(pid, capture.RootElement.GetProperty("initPid").GetInt32());
        Assert.Equal(pid, capture.RootElement.GetProperty("initPidAtEnd").GetInt32());
        Assert.True(UnixTime.TryParseIso8601(capture.RootElement.GetProperty("startedAt").GetString(), out var started));
        Assert.True(UnixTime.TryParseIso8601(capture.RootElement.GetProperty("endedAt").GetString(), out var ended));
        Assert.True(started.CompareTo(ended) <= 0);

        // The root mount's overlay upper layer is the writable layer Docker reports.
        using var mounts = JsonDocument.Parse(sink["mounts.json"].Content);
        var rootFs = mounts.RootElement.GetProperty("rootFilesystem");
        Assert.Equal("overlay", rootFs.GetProperty("fsType").GetString());
        Assert.Equal(_docker.Inspect(name, "{{.GraphDriver.Data.UpperDir}}"), rootFs.GetProperty("writableLayer").GetString());
        Assert.NotEmpty(rootFs.GetProperty("lowerdir").EnumerateArray());
        Assert.Contains(mounts.RootElement.GetProperty("mounts").EnumerateArray(), m => m.GetProperty("mountPoint").GetString() == "/proc");

        // Name resolution files, from inside the container's root: Docker's bind mounts.
        Assert.Equal(EntryStatus.Collected, sink["etc/hostname"].Status);
        Assert.Equal(_docker.Inspect(name, "{{.Config.Hostname}}") + "\n", sink["etc/hostname"].Text);
        Assert.Equal(await File.ReadAllBytesAsync(_docker.Inspect(name, "{{.HostsPath}}")), sink["etc/hosts"].Content);

        Assert.True(sink.Items.Select(i => i.Item.Name).Distinct().Count() == sink.Items.Count, "every name is used once");
        Assert.Empty(NonNetworkErrors(sink));
        Assert.Equal("<no value>", _docker.Inspect(name, "{{.ExecIDs}}").Replace("[]", "<no value>", StringComparison.Ordinal));
    }

    [EngineFact(Engine.Docker)]
    public async Task One_images_executable_is_stored_once_across_containers_after_its_content_is_compared()
    {
        // Each container's overlay mount has its own device; the busybox both run is one file of
        // one image layer, with one inode number.
        string first = _docker.RunShell(DockerCli.NewName("same-a"), "exec sleep 3600");
        string second = _docker.RunShell(DockerCli.NewName("same-b"), "exec sleep 3600");
        int pidA = _docker.InitPid(first);
        int pidB = _docker.InitPid(second);
        var collector = new HostProcessCollector();

        var sinkA = await CollectAsync(first, collector);
        var sinkB = await CollectAsync(second, collector);

        var stored = sinkA[$"processes/{pidA}/exe"];
        Assert.Equal(EntryStatus.Collected, stored.Status);
        var again = sinkB[$"processes/{pidB}/exe"];
        Assert.Equal(EntryStatus.Skipped, again.Status);
        Assert.Equal(
            $"already stored as test/processes/{pidA}/exe (same inode number, size, mtime and ctime through another overlay mount, and the same content, hashed now; sha256 {stored.Sha256})",
            again.Reason);
        Assert.NotEqual(stored.Item.Metadata!.SourceDevice, again.Item.Metadata!.SourceDevice);
        Assert.Equal(stored.Item.Metadata.Inode, again.Item.Metadata.Inode);
        // processes.json of the second container names the stored copy and its digest.
        var process = ProcessOf(sinkB, pidB);
        Assert.Equal(stored.Sha256, process.GetProperty("exeSha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes($"/proc/{pidB}/exe"))), stored.Sha256);
    }

    [EngineFact(Engine.Docker)]
    public async Task Deleted_binary_is_captured_through_proc_exe()
    {
        string name = DockerCli.NewName("deleted");
        // busybox runs argv[1] as the applet only when its own name starts with "busybox".
        string id = _docker.RunShell(name,
            "cp /bin/busybox /tmp/busybox.x && /tmp/busybox.x sleep 3600 & sleep 1; rm -f /tmp/busybox.x; touch /tmp/ready; exec sleep 3600");
        int init = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{init}/root/tmp/ready") && DeletedChild(init) is not null, "the deleted binary to run");
        int child = DeletedChild(init)!.Value;

        string image = Path.Combine(Path.GetTempPath(), $"cfir-busybox-{Guid.NewGuid():N}");
        try
        {
            _docker.CopyOut(name, "/bin/busybox", image);
            string expected = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(image)));

            var sink = await CollectAsync(id);

            var exe = sink[$"processes/{child}/exe"];
            Assert.Equal(EntryStatus.Collected, exe.Status);
            Assert.Equal(expected, exe.Sha256);
            Assert.Equal(0UL, exe.Item.Metadata.LinkCount);
            Assert.Contains("(deleted)", exe.Item.Source!.Description, StringComparison.Ordinal);

            var process = ProcessOf(sink, child);
            Assert.True(process.GetProperty("deleted").GetBoolean());
            Assert.Equal(0, process.GetProperty("exeLinkCount").GetInt32());
            Assert.Equal("/tmp/busybox.x (deleted)", process.GetProperty("exe").GetString());
            Assert.Equal(expected, process.GetProperty("exeSha256").GetString());
            Assert.Contains("(deleted)", sink["processes.txt"].Text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(image);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Distroless_container_has_full_process_evidence_without_exec()
    {
        string image = await DistrolessImage.EnsureAsync(_docker);
        string name = DockerCli.NewName("distroless");
        string id = _docker.RunDetached(name, ["sleep", "3600"], image: image);
        int pid = _docker.InitPid(name);
        await Eventually.Until(() => Encoding.UTF8.GetString(ReadOrEmpty($"/proc/{pid}/cmdline")).StartsWith("/busybox\0sleep", StringComparison.Ordinal), "the distroless container to run");

        var sink = await CollectAsync(id);

        Assert.Equal("/busybox\0sleep\03600\0"u8.ToArray(), sink[$"processes/{pid}/cmdline"].Content);
        Assert.Contains("Name:\tbusybox", sink[$"processes/{pid}/status"].Text, StringComparison.Ordinal);
        Assert.Contains("/busybox", sink[$"processes/{pid}/maps"].Text, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(DistrolessImage.HostBusybox))), sink[$"processes/{pid}/exe"].Sha256);
        Assert.NotEmpty(sink.Under($"processes/{pid}/fd/"));
        Assert.All(sink.Under($"processes/{pid}/fd/"), fd => Assert.NotNull(fd.Item.Metadata.LinkTarget));
        var process = ProcessOf(sink, pid);
        Assert.Equal("/busybox", process.GetProperty("exe").GetString());
        Assert.NotEmpty(process.GetProperty("fds").EnumerateArray());
        Assert.Empty(NonNetworkErrors(sink));
        // Nothing was run inside: the engine recorded no exec session.
        Assert.Contains(_docker.Inspect(name, "{{.ExecIDs}}"), new[] { "[]", "<no value>" });
    }

    [EngineFact(Engine.Docker)]
    public async Task Start_time_and_capabilities_are_decoded()
    {
        string name = DockerCli.NewName("caps");
        string id = _docker.RunDetached(name, ["sleep", "3600"]);
        int pid = _docker.InitPid(name);

        var sink = await CollectAsync(id);

        var process = ProcessOf(sink, pid);
        Assert.True(UnixTime.TryParseIso8601(process.GetProperty("startTime").GetString(), out var start));
        var startedAt = DateTimeOffset.Parse(_docker.Inspect(name, "{{.State.StartedAt}}"), CultureInfo.InvariantCulture);
        // A sanity check of the arithmetic (btime + ticks / CLK_TCK), not a measurement.
        Assert.InRange((start.ToDateTimeOffset() - startedAt).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(3));

        var effective = process.GetProperty("capabilities").GetProperty("effective");
        var names = effective.GetProperty("names").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("CAP_CHOWN", names);
        Assert.Contains("CAP_NET_BIND_SERVICE", names);
        Assert.DoesNotContain("CAP_SYS_ADMIN", names);
        Assert.Matches("^[0-9a-f]{16}$", effective.GetProperty("hex").GetString());
        Assert.True(process.TryGetProperty("seccomp", out _));
        Assert.True(process.TryGetProperty("noNewPrivs", out _));
        Assert.False(process.GetProperty("loginuidSet").GetBoolean());
    }

    [EngineFact(Engine.Docker)]
    public async Task Processes_coming_and_going_during_the_pass_leave_consistent_entries()
    {
        string name = DockerCli.NewName("churn");
        string id = _docker.RunShell(name,
            "for d in 0.3 0.2 0.1 0.05; do while :; do sh -c \"sleep $d\"; done & done; while :; do (sleep 0.01); done & while :; do sh -c ':'; done & exec sleep 3600");
        int init = _docker.InitPid(name);
        await Eventually.Until(() => ChildrenOf(init).Count >= 6, "the churning loops to start");

        for (int pass = 0; pass < 4; pass++)
        {
            var sink = await CollectAsync(id);

            Assert.Empty(NonNetworkErrors(sink));
            using var doc = JsonDocument.Parse(sink["processes.json"].Content);
            var processes = doc.RootElement.GetProperty("processes").EnumerateArray().ToList();
            Assert.Equal(init, processes[0].GetProperty("pid").GetInt32());
            foreach (var p in processes)
            {
                int pid = p.GetProperty("pid").GetInt32();
                string exited = p.TryGetProperty("exited", out var e) ? e.GetString()! : "";
                if (exited == "before capture")
                {
                    Assert.Empty(sink.Under($"processes/{pid}/"));
                    continue;
                }
                // Whatever was read belongs to this process and no other (the directory
                // descriptor pins it): its stat names it, its status' NSpid starts with it.
                if (sink.Find($"processes/{pid}/stat") is { Status: EntryStatus.Collected, Content.Length: > 0 } stat)
                {
                    Assert.StartsWith($"{pid} (", stat.Text, StringComparison.Ordinal);
                }
                if (p.TryGetProperty("nspid", out var nspid))
                {
                    Assert.Equal(pid, nspid.EnumerateArray().First().GetInt32());
                }
                foreach (var item in sink.Under($"processes/{pid}/"))
                {
                    bool storedOnce = item.Status == EntryStatus.Skipped && item.Reason!.StartsWith("already stored as", StringComparison.Ordinal);
                    Assert.True(item.Status is EntryStatus.Collected or EntryStatus.Missing or EntryStatus.Partial || storedOnce,
                        $"{item.Item.Name}: {item.Status} {item.Reason}");
                    // Missing only because the process went away (or a descriptor was closed between listing and reading).
                    if (item.Status == EntryStatus.Missing && !item.Item.Name!.StartsWith($"processes/{pid}/fd/", StringComparison.Ordinal))
                    {
                        Assert.True(exited == "during capture" || p.GetProperty("state").GetString() == "Z", $"{item.Item.Name} missing but the process did not exit: {item.Reason}");
                    }
                }
            }
            using var capture = JsonDocument.Parse(sink["capture.json"].Content);
            Assert.Equal(processes.Count, capture.RootElement.GetProperty("pids").GetArrayLength());
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Process_killed_mid_capture_keeps_what_was_read_and_is_marked_exited()
    {
        string name = DockerCli.NewName("killed");
        // The init shell waits, so it reaps the victim soon and its /proc entry goes away.
        string id = _docker.RunShell(name, "sleep 3601 & touch /tmp/ready; while :; do wait; sleep 1; done");
        int init = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{init}/root/tmp/ready"), "the container to start");
        int victim = await Eventually.UntilSome(() => ChildrenOf(init).Cast<int?>().FirstOrDefault(), "the victim");

        await using var docker = await LiveDocker.ConnectAsync();
        var sink = new RecordingSink
        {
            AfterAdd = async recorded =>
            {
                if (recorded.Item.Name == $"processes/{victim}/cmdline")
                {
                    using (var process = System.Diagnostics.Process.GetProcessById(victim))
                    {
                        process.Kill();
                    }
                    await Eventually.Until(() => !Directory.Exists($"/proc/{victim}"), "the victim to be reaped");
                }
            },
        };
        await new HostProcessCollector().CollectAsync(await docker.ContainerAsync(id), docker.Runtime, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Equal(EntryStatus.Collected, sink[$"processes/{victim}/stat"].Status);
        Assert.Equal("sleep\u00003601\u0000"u8.ToArray(), sink[$"processes/{victim}/cmdline"].Content);
        foreach (var after in new[] { "exe-target", "fd", "environ", "maps", "exe" })
        {
            var item = sink[$"processes/{victim}/{after}"];
            Assert.True(item.Status == EntryStatus.Missing, $"{after}: {item.Status} {item.Reason}");
            Assert.NotNull(item.Reason);
        }
        var process = ProcessOf(sink, victim);
        Assert.Equal("during capture", process.GetProperty("exited").GetString());
        Assert.Equal(["sleep", "3601"], process.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.True(process.GetProperty("items").TryGetProperty("exe", out _));
        using var capture = JsonDocument.Parse(sink["capture.json"].Content);
        Assert.Equal([victim], capture.RootElement.GetProperty("exitedDuringCapture").EnumerateArray().Select(e => e.GetInt32()));
        // The init, captured before, is whole; the others' capture went on after the victim died.
        Assert.Equal(EntryStatus.Collected, sink[$"processes/{init}/exe"].Status);
        Assert.Empty(NonNetworkErrors(sink));
    }

    [EngineFact(Engine.Docker)]
    public async Task Exec_sessions_and_nested_pid_namespaces_are_found()
    {
        string name = DockerCli.NewName("nested");
        string id = _docker.RunShell(name, "busybox unshare -f -p sleep 3601 & touch /tmp/ready; exec sleep 3600", ["--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined"]);
        int init = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{init}/root/tmp/ready"), "the container to start");
        _docker.Run(["exec", "-d", name, "sleep", "3602"]);
        int nested = await Eventually.UntilSome(() => FindByCmdline("sleep\u00003601\u0000"), "the nested sleep");
        int exec = await Eventually.UntilSome(() => FindByCmdline("sleep\u00003602\u0000"), "the exec'd sleep");

        var sink = await CollectAsync(id);

        var nestedProcess = ProcessOf(sink, nested);
        Assert.True(nestedProcess.GetProperty("nestedPidNamespace").GetBoolean());
        Assert.Equal(3, nestedProcess.GetProperty("nspid").GetArrayLength());
        var execProcess = ProcessOf(sink, exec);
        Assert.False(execProcess.TryGetProperty("nestedPidNamespace", out _));
        using var capture = JsonDocument.Parse(sink["capture.json"].Content);
        Assert.Contains(nested, capture.RootElement.GetProperty("nestedPidNamespacePids").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>
    /// processes.json carries the host's namespaces (pid 1's, else cfir's own where a sandbox
    /// denies pid 1's links), so that a namespace shared with the host shows whatever the engine
    /// says: a container run with --ipc host has the host's IPC namespace and its own network one.
    /// </summary>
    [EngineFact(Engine.Docker)]
    public async Task The_host_namespaces_are_written_beside_the_processes_and_a_shared_one_is_equal()
    {
        string name = DockerCli.NewName("hostipc");
        string id = _docker.RunShell(name, "touch /tmp/ready; exec sleep 3600", ["--ipc", "host"]);
        int pid = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{pid}/root/tmp/ready"), "the container to start");

        var sink = await CollectAsync(id);

        using var doc = JsonDocument.Parse(sink["processes.json"].Content);
        var host = doc.RootElement.GetProperty("hostNamespaces");
        string from = host.GetProperty("from").GetString()!;
        Assert.Contains(from, new[] { "/proc/1/ns", "/proc/self/ns" });
        var links = host.GetProperty("namespaces");
        string expectedIpc = from == "/proc/1/ns" ? new FileInfo("/proc/1/ns/ipc").LinkTarget! : new FileInfo("/proc/self/ns/ipc").LinkTarget!;
        Assert.Equal(expectedIpc, links.GetProperty("ipc").GetString());
        var own = ProcessOf(sink, pid).GetProperty("namespaces");
        Assert.Equal(links.GetProperty("ipc").GetString(), own.GetProperty("ipc").GetString());
        Assert.NotEqual(links.GetProperty("net").GetString(), own.GetProperty("net").GetString());
        Assert.NotEqual(links.GetProperty("pid").GetString(), own.GetProperty("pid").GetString());
    }

    [EngineFact(Engine.Docker)]
    public async Task Host_pid_namespace_falls_back_to_the_cgroup()
    {
        string name = DockerCli.NewName("hostpid");
        string id = _docker.RunShell(name, "sleep 3601 & touch /tmp/ready; exec sleep 3600", ["--pid", "host"]);
        int init = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{init}/root/tmp/ready"), "the container to start");
        int child = await Eventually.UntilSome(() => ChildrenOf(init).Cast<int?>().FirstOrDefault(), "the second sleep");

        var sink = await CollectAsync(id);

        using var capture = JsonDocument.Parse(sink["capture.json"].Content);
        Assert.Equal("cgroup", capture.RootElement.GetProperty("selectedBy").GetString());
        Assert.Contains(id, capture.RootElement.GetProperty("cgroup").GetString(), StringComparison.Ordinal);
        Assert.Contains("--pid=host", capture.RootElement.GetProperty("selectionNotes")[0].GetString(), StringComparison.Ordinal);
        // Only the container's own processes, not the host's (this test process among them).
        Assert.Equal([init, child], capture.RootElement.GetProperty("pids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Empty(sink.Under($"processes/{Environment.ProcessId}/"));
    }

    [EngineFact(Engine.Docker)]
    public async Task Stopped_container_yields_nothing()
    {
        string name = DockerCli.NewName("stopped");
        string id = _docker.RunDetached(name, ["sleep", "3600"]);
        _docker.Stop(name);

        var sink = await CollectAsync(id);

        Assert.Empty(sink.Items);
        Assert.Empty(sink.Errors);
    }

    [EngineFact(Engine.Docker)]
    public async Task Never_started_container_yields_nothing()
    {
        string name = DockerCli.NewName("created");
        string id = _docker.Create(name, ["sleep", "3600"]);

        var sink = await CollectAsync(id);

        Assert.Empty(sink.Items);
        Assert.Empty(sink.Errors);
    }

    private static async Task<RecordingSink> CollectAsync(string id, HostProcessCollector? collector = null)
    {
        await using var docker = await LiveDocker.ConnectAsync();
        var container = await docker.ContainerAsync(id);
        var sink = new RecordingSink();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(5));  // hang guard only
        await (collector ?? new HostProcessCollector()).CollectAsync(container, docker.Runtime, sink, new CollectionOptions(), guard.Token);
        return sink;
    }

    private static JsonElement ProcessOf(RecordingSink sink, int pid)
    {
        var doc = JsonDocument.Parse(sink["processes.json"].Content);
        return doc.RootElement.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("pid").GetInt32() == pid).Clone();
    }

    /// <summary>The network part is tested on its own (Network/); its records are not this collector's.</summary>
    private static List<RecordingSink.RecordedError> NonNetworkErrors(RecordingSink sink) =>
        sink.Errors.Where(e => !e.Message.StartsWith("network", StringComparison.Ordinal)).ToList();

    private static int? DeletedChild(int parent) =>
        ChildrenOf(parent).FirstOrDefault(c => ReadLinkOrNull($"/proc/{c}/exe")?.EndsWith("(deleted)", StringComparison.Ordinal) == true) is int pid and > 0 ? pid : null;

    private static List<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int p) ? p : 0)
            .Where(p => p > 0 && ParentOf(p) == parent)
            .ToList();

    private static int? ParentOf(int pid)
    {
        string stat = Encoding.UTF8.GetString(ReadOrEmpty($"/proc/{pid}/stat"));
        int close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], out int ppid) ? ppid : null;
    }

    private static int? FindByCmdline(string cmdline) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int p) ? p : 0)
            .Where(p => p > 0 && Encoding.UTF8.GetString(ReadOrEmpty($"/proc/{p}/cmdline")) == cmdline)
            .Select(p => (int?)p)
            .FirstOrDefault();

    private static byte[] ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? ReadLinkOrNull(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
