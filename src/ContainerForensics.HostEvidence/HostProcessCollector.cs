using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host.Processes;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.HostEvidence.Mounts;
using ContainerForensics.HostEvidence.Memory;
using ContainerForensics.HostEvidence.Network;
using ContainerForensics.HostEvidence.Processes;
using ContainerForensics.HostEvidence.Rooted;

namespace ContainerForensics.HostEvidence;

/// <summary>
/// Host-side volatile evidence of one running container, from the host's /proc, whatever its
/// runtime: its processes (raw /proc files, links, descriptor tables, executables), its mount
/// table, its name-resolution files read inside its root, and its network namespaces (handed to
/// <see cref="NetworkNamespaceEvidence"/>). Runs in the Volatile phase after the runtime's own
/// volatile work, with the sink scoped to the container.
/// <para>
/// Read-only: nothing is executed, nothing of the container is entered (no exec, no setns), and
/// files are read with O_NOATIME where the kernel permits. Each step has its own failure
/// boundary; only what <see cref="Failures.IsFatal"/> names (cancellation, a vanished container,
/// a broken archive) leaves this method.
/// </para>
/// <para>
/// The runtime's init pid is in the runtime's pid namespace: it is translated to a host pid
/// (<see cref="HostPidTranslator"/>) before anything under /proc is opened, and refused with an
/// error record when it cannot be. The runner runs this only for runtimes whose processes live
/// on this kernel (<see cref="NeedsLiveHost"/>).
/// </para>
/// <para>Documents (section Volatile): processes/&lt;pid&gt;/..., processes.json, processes.txt,
/// mounts.json, etc/resolv.conf, etc/hosts, etc/hostname, network/&lt;inode&gt;/..., capture.json.</para>
/// </summary>
public sealed class HostProcessCollector : IContainerEvidenceCollector
{
    private readonly TimeProvider _clock;
    private readonly string _procRoot;

    /// <summary>Read once: the host's namespaces do not change within a run.</summary>
    private readonly Lazy<HostNamespaces?> _hostNamespaces;

    /// <summary>Executables stored in this run, so that one inode is stored once (see <see cref="ProcessCapture"/>).</summary>
    private readonly ExecutableStore _executables = new();

    public HostProcessCollector()
        : this(TimeProvider.System)
    {
    }

    /// <param name="procRoot">The host's procfs; "/proc" except in tests.</param>
    public HostProcessCollector(TimeProvider clock, string procRoot = "/proc")
    {
        _clock = clock;
        _procRoot = procRoot.TrimEnd('/');
        _hostNamespaces = new Lazy<HostNamespaces?>(() => HostNamespaces.Read(_procRoot));
    }

    public string Name => "host process evidence";

    public CollectionPhase Phase => CollectionPhase.Volatile;

    /// <summary>Everything here is this kernel's /proc: run only for runtimes whose processes live here (<see cref="LiveHostGate"/>).</summary>
    public bool NeedsLiveHost => true;

    public async Task CollectAsync(ContainerInfo container, IContainerRuntime runtime, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);

        int? initPid;
        try
        {
            initPid = await runtime.GetInitPidAsync(container, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            sink.RecordError("host process evidence not collected: the runtime did not say which process is the container's init", ex);
            return;
        }
        if (initPid is not > 0)
        {
            return; // not running: nothing lives in /proc for it
        }
        // The runtime's pid is in its own pid namespace: only a proven host pid is read, never a guess.
        var locality = runtime.Descriptor.Locality;
        var translator = new HostPidTranslator(_procRoot);
        var translation = translator.Translate(locality, initPid.Value);
        if (translation.HostPid is not { } pid)
        {
            sink.RecordError($"host process evidence not collected: {runtime.Descriptor} reported init pid {initPid.Value}, and {translation.How}");
            return;
        }
        var log = new CaptureLog { StartedAt = _clock.GetUnixTime(), InitPid = pid, Translation = translation };
        ContainerGoneException? gone = null;
        try
        {
            await CaptureAsync(container, pid, sink, options, log, cancellationToken).ConfigureAwait(false);
            int? atEnd = await runtime.GetInitPidAsync(container, cancellationToken).ConfigureAwait(false);
            if (atEnd is null)
            {
                log.InitPidAtEndProblem = "the container stopped during the capture";
            }
            else if (atEnd == initPid)
            {
                log.InitPidAtEnd = pid;
            }
            else
            {
                var again = translator.Translate(locality, atEnd.Value);
                log.InitPidAtEnd = again.HostPid;
                log.InitPidAtEndProblem = again.HostPid is null ? again.How : null;
            }
        }
        catch (ContainerGoneException ex)
        {
            gone = ex;
            log.InitPidAtEndProblem = "the container vanished during the capture";
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            log.InitPidAtEndProblem = "the runtime could not be asked again: " + ex.Message;
        }

        // Written however the capture went (cancellation and a broken archive aside): a reader
        // of a partial capture needs it most.
        log.EndedAt = _clock.GetUnixTime();
        await Step(sink, log, "capture.json", async () =>
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Volatile, "capture.json", log.ToJson(), "cfir: host-side capture of this container"), cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (gone is not null)
        {
            throw gone;
        }
    }

    private async Task CaptureAsync(ContainerInfo container, int pid, IEvidenceSink sink, CollectionOptions options, CaptureLog log, CancellationToken cancellationToken)
    {
        // 1. Which processes: same PID namespace as the init (or cgroup, when that cannot tell).
        ProcessSet set = new() { InitPid = pid, Members = [new ProcessMember(pid, false)], Method = "init only" };
        await Step(sink, log, "process selection", () =>
        {
            set = new ProcessSetFinder(_procRoot).Find(pid);
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        log.Set = set;

        // 2. Each process, init first.
        log.Boot = BootClock.Read(_procRoot, out string? bootProblem);
        log.BootProblem = bootProblem;
        var capture = new ProcessCapture(sink, _procRoot, options, log.Boot, _executables);
        var records = new List<ProcessRecord>();
        await Step(sink, log, "processes", async () =>
        {
            foreach (var member in set.Members)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    records.Add(await capture.CaptureAsync(member, keepMountInfo: member.Pid == pid, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (!Failures.IsFatal(ex))
                {
                    var failed = new ProcessRecord(member.Pid) { NestedPidNamespace = member.NestedPidNamespace };
                    failed.Notes.Add("capture failed: " + ex.Message);
                    records.Add(failed);
                    sink.RecordError($"host process evidence of pid {member.Pid} failed", ex, path: $"/proc/{member.Pid}");
                }
            }
        }).ConfigureAwait(false);
        log.Processes = records;
        if (records.FirstOrDefault(r => r.Pid == pid)?.CgroupLines is { } cgroup)
        {
            // Docker, Podman and containerd put the id in the cgroup path; a pid reused by an
            // unrelated process after the container stopped would not have it.
            byte[] id = System.Text.Encoding.UTF8.GetBytes(container.Id);
            log.InitCgroupNamesContainer = cgroup.Any(line => line.AsSpan().IndexOf(id) >= 0);
        }
        await Step(sink, log, "processes.json", async () =>
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Volatile, "processes.json", ProcessDocuments.Json(set, records, log.Boot, _hostNamespaces.Value),
                "cfir: decoded from processes/<pid>/{stat,status,cmdline,cgroup,loginuid}, the links and the executables"), cancellationToken).ConfigureAwait(false);
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = "processes.txt",
                Content = EvidenceContent.FromBytes(ProcessDocuments.Text(set, records)),
                Source = new EvidenceSource { Description = "cfir: processes.json as a table" },
            }, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        // 3. The mount table, from the init's archived mountinfo.
        await Step(sink, log, "mounts.json", () => MountsAsync(pid, records, sink, cancellationToken)).ConfigureAwait(false);

        // 4. Name resolution files, read inside the container's root.
        await Step(sink, log, "etc files", async () =>
        {
            var outcomes = await ContainerConfigFiles.CaptureAsync(_procRoot, pid, sink, options, cancellationToken).ConfigureAwait(false);
            foreach (var (path, outcome) in outcomes)
            {
                log.EtcFiles[path] = outcome;
            }
        }).ConfigureAwait(false);

        // 5. Each network namespace the processes are in, with the sockets' owners.
        await Step(sink, log, "network", () => NetworkAsync(pid, records, sink, log, cancellationToken)).ConfigureAwait(false);

        // 6. With --memory: each live process's memory as an ELF core, last because it is the largest.
        if (options.Memory)
        {
            await Step(sink, log, "memory", async () =>
            {
                foreach (var record in records.Where(r => r.Exited is null))
                {
                    await sink.AddAsync(ProcessMemory.CoreDump(record.Pid, options.MemoryMaxBytes ?? ProcessMemory.DefaultMaxBytes, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
    }

    private static async Task MountsAsync(int pid, List<ProcessRecord> records, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var init = records.FirstOrDefault(r => r.Pid == pid);
        if (init?.MountInfo is not { } mountInfo)
        {
            sink.RecordError($"mounts.json not written: the init's mountinfo (/proc/{pid}/mountinfo) was not captured", path: $"/proc/{pid}/mountinfo");
            return;
        }
        var problems = new List<string>();
        var mounts = MountInfoParser.Parse(mountInfo, problems);
        byte[] json = MountsDocument.Build(pid, ProcessCapture.ItemName(pid, "mountinfo"), null, mounts, problems);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Volatile, "mounts.json", json, $"cfir: decoded from processes/{pid}/mountinfo"), cancellationToken).ConfigureAwait(false);
    }

    private async Task NetworkAsync(int initPid, List<ProcessRecord> records, IEvidenceSink sink, CaptureLog log, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<ulong, List<SocketOwner>>();
        foreach (var record in records)
        {
            foreach (var fd in record.Fds ?? [])
            {
                if (fd.SocketInode is { } inode)
                {
                    if (!owners.TryGetValue(inode, out var list))
                    {
                        owners[inode] = list = [];
                    }
                    list.Add(new SocketOwner(record.Pid, fd.Fd, record.Command));
                }
            }
        }
        var byOwner = owners.ToDictionary(o => o.Key, o => (IReadOnlyList<SocketOwner>)o.Value);
        var groups = records
            .Where(r => r.NetNamespaceInode is not null && r.Exited is null)
            .GroupBy(r => r.NetNamespaceInode!.Value)
            .OrderBy(g => g.Any(r => r.Pid == initPid) ? 0 : 1).ThenBy(g => g.Key);
        foreach (var group in groups)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pids = group.Select(r => r.Pid).ToList();
            // Any process of the namespace will do; one still alive now (the init first) is needed.
            int through = pids.OrderBy(p => p == initPid ? 0 : 1).FirstOrDefault(p => Directory.Exists($"{_procRoot}/{p}"), pids[0]);
            string outcome;
            try
            {
                await NetworkNamespaceEvidence.CollectAsync(through, group.Key, byOwner, sink, cancellationToken).ConfigureAwait(false);
                outcome = "ok";
            }
            catch (Exception ex) when (!Failures.IsFatal(ex))
            {
                outcome = "failed: " + ex.Message;
                sink.RecordError($"network evidence of namespace net:[{group.Key}] (through pid {through}) failed", ex, path: $"/proc/{through}/net");
            }
            log.NetworkNamespaces.Add((group.Key, through, pids, outcome));
        }
        int failed = log.NetworkNamespaces.Count(n => n.Outcome != "ok");
        if (failed > 0)
        {
            log.Steps["network"] = $"failed for {failed} of {log.NetworkNamespaces.Count} network namespace(s)";
        }
    }

    /// <summary>One step's failure boundary: anything but cancellation, a vanished container or a broken archive is recorded and the next step runs.</summary>
    private static async Task Step(IEvidenceSink sink, CaptureLog log, string step, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
            log.Steps.TryAdd(step, "ok");
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            log.Steps[step] = "failed: " + ex.Message;
            sink.RecordError($"host process evidence: {step} failed", ex, (ex as IOException)?.HResult);
        }
    }
}
