using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;
using Xunit;

namespace ContainerForensics.Containerd.Tests.DeadBox;

/// <summary>
/// One private containerd (<see cref="DeadBoxContainerd"/>) with containers in every state, made
/// once for the dead-box tests: in namespace default a running one with planted and deleted
/// files, a stopped one, a paused one, a created one, and one removed after it wrote a file
/// (its snapshot stays: the collector does not run); in k8s.io a pod made through the CRI API
/// with a container that logs (a line longer than the 16 KiB CRI split) and plants a file, and
/// a container that logged and was removed. Then: a live collection through the daemon's API
/// (and a live <c>--filesystem full</c> of the running ones, from their tasks' rootfs mounts),
/// a copy while it runs (crash-consistent), a clean stop and a copy after it.
/// </summary>
public sealed class DeadBoxScenario : IAsyncLifetime
{
    public const string Running = "db-running";
    public const string Stopped = "db-stopped";
    public const string Paused = "db-paused";
    public const string Created = "db-created";
    public const string Removed = "db-removed";

    public static readonly string LongLine = string.Concat(Enumerable.Repeat("0123456789abcdef", 2500));

    private DeadBoxContainerd? _box;

    public DeadBoxContainerd Box => _box ?? throw new InvalidOperationException(Missing ?? "not started");

    /// <summary>Why the scenario was not made (outside CI, no rig): the tests are skipped then.</summary>
    public string? Missing { get; private set; }

    public string PodSandboxId { get; private set; } = "";

    public string PodUid { get; private set; } = "";

    public string PodFolder { get; private set; } = "";

    public string WriterId { get; private set; } = "";

    public string DoomedId { get; private set; } = "";

    /// <summary>The live collection: the listing, and per (namespace, id) what each phase wrote.</summary>
    public IReadOnlyList<ContainerInfo> LiveListed { get; private set; } = [];

    public Dictionary<string, RecordingSink> Live { get; } = new(StringComparer.Ordinal);

    /// <summary>The live <c>--filesystem full</c> of the running containers (the task's rootfs mount), by (namespace, id).</summary>
    public Dictionary<string, RecordingSink> LiveFull { get; } = new(StringComparer.Ordinal);

    public string LiveCopy => Box.Folder + "/copy-live";

    public string CleanCopy => Box.Folder + "/copy-clean";

    public static string Key(ContainerInfo c) => c.RuntimeNamespace + "/" + c.Id;

    public async Task InitializeAsync()
    {
        Missing = EngineFactAttribute.EngineMissing(Engine.Containerd);
        if (Missing is not null && !RigEnvironment.IsCi)
        {
            return;
        }
        _box = await DeadBoxContainerd.StartAsync();
        await _box.ImportImagesAsync();
        await _box.RunAsync("default", Running, "echo planted-by-test > /planted.txt; rm /etc/hosts.allow; mkdir -p /var/tmp/d; echo deep > /var/tmp/d/f; touch /ready; exec sleep 3600");
        await _box.RunAsync("default", Stopped, "echo stopped > /stopped.txt");
        await _box.RunAsync("default", Paused, "exec sleep 3600");
        await _box.CtrAsync("-n", "default", "tasks", "pause", Paused);
        await _box.CtrAsync("-n", "default", "containers", "create", "--net-host", DeadBoxContainerd.TestImage, Created, "sleep", "1");
        await _box.RunAsync("default", Removed, "echo removed > /removed.txt");
        await WaitStoppedAsync("default", Stopped);
        await WaitStoppedAsync("default", Removed);
        await _box.CtrAsync("-n", "default", "tasks", "delete", Removed);
        await _box.CtrAsync("-n", "default", "containers", "delete", Removed);
        await WaitForAsync(async () => (await _box.CtrAsync("-n", "default", "tasks", "exec", "--exec-id", "probe", Running, "test", "-f", "/ready")) is not null);

        var pod = await _box.RunPodAsync("cfir-deadbox", "web");
        PodSandboxId = pod.SandboxId;
        PodUid = pod.Uid;
        PodFolder = pod.LogDirectory;
        WriterId = await _box.RunPodContainerAsync(pod, "writer",
            "echo hello-stdout; echo hello-stderr >&2; i=0; s=''; while [ $i -lt 2500 ]; do s=\"${s}0123456789abcdef\"; i=$((i+1)); done; echo \"$s\"; " +
            "echo pod-planted > /pod-planted.txt; echo end-of-writer; exec sleep 3600");
        DoomedId = await _box.RunPodContainerAsync(pod, "doomed", "echo doomed-line; echo doomed-file > /doomed.txt");
        await DeadBoxContainerd.WaitForTextAsync(PodFolder + "/writer/0.log", "end-of-writer");
        await DeadBoxContainerd.WaitForTextAsync(PodFolder + "/doomed/0.log", "doomed-line");
        await WaitForAsync(() => _box.PodContainerExitedAsync(DoomedId));
        await _box.RemovePodContainerAsync(DoomedId);

        await CollectLiveAsync();
        await _box.CopyAsync(LiveCopy);
        await _box.StopAsync();
        await _box.CopyAsync(CleanCopy);
    }

    private async Task CollectLiveAsync()
    {
        await using var live = await ContainerdRuntime.ConnectAsync(Box.SocketPath, new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(60) }, default);
        LiveListed = await live.ListContainersAsync(default);
        foreach (var c in LiveListed)
        {
            var sink = new RecordingSink();
            foreach (var phase in (CollectionPhase[])[CollectionPhase.Metadata, CollectionPhase.Logs, CollectionPhase.Filesystem])
            {
                await live.CollectContainerAsync(c, phase, sink, new CollectionOptions(), default);
            }
            Live[Key(c)] = sink;
            if (Key(c) is "default/" + Running || c.Id == WriterId)
            {
                var full = new RecordingSink();
                await live.CollectContainerAsync(c, CollectionPhase.Filesystem, full, new CollectionOptions { Filesystem = FilesystemMode.Full }, default);
                LiveFull[Key(c)] = full;
            }
        }
    }

    /// <summary>The offline runtime of a copy, as discovery opens it (the data root named, as --containerd-root does).</summary>
    public async Task<(DiskImage Image, IContainerRuntime Runtime)> OpenOfflineAsync(string copy, RuntimeSettings? settings = null)
    {
        var image = DiskImage.Open(copy, "/");
        var probes = await new ContainerdRuntimeProvider().OpenDiskImageAsync(image, (settings ?? new RuntimeSettings()).With(ContainerdOptions.Root, Box.DataRoot), default);
        var runtime = Assert.Single(probes).Runtime ?? throw new InvalidOperationException(probes[0].Reason);
        return (image, runtime);
    }

    /// <summary>Every phase of every container the offline runtime lists, and its engine evidence.</summary>
    public static async Task<(IReadOnlyList<ContainerInfo> Listed, Dictionary<string, RecordingSink> Sinks, RecordingSink Engine)> CollectAsync(IContainerRuntime runtime, CollectionOptions? options = null)
    {
        options ??= new CollectionOptions();
        var listed = await runtime.ListContainersAsync(default);
        var sinks = new Dictionary<string, RecordingSink>(StringComparer.Ordinal);
        foreach (var c in listed)
        {
            var sink = new RecordingSink();
            foreach (var phase in (CollectionPhase[])[CollectionPhase.Volatile, CollectionPhase.Metadata, CollectionPhase.Logs, CollectionPhase.Filesystem])
            {
                await runtime.CollectContainerAsync(c, phase, sink, options, default);
            }
            sinks[Key(c)] = sink;
        }
        var engine = new RecordingSink();
        await runtime.CollectEngineAsync(engine, options, default);
        return (listed, sinks, engine);
    }

    private async Task WaitStoppedAsync(string ns, string id) =>
        await WaitForAsync(async () => (await Box.CtrAsync("-n", ns, "tasks", "ls")).Split('\n').Any(l => l.StartsWith(id + " ", StringComparison.Ordinal) && l.Contains("STOPPED", StringComparison.Ordinal)));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or Grpc.GrpcCallException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the dead-box scenario did not get ready within 30 s");
            }
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_box is not null)
        {
            await _box.DisposeAsync();
        }
    }
}
