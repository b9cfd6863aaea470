using System.Globalization;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Tests.Metadata;

/// <summary>
/// Engine, volatile and metadata evidence against the real engines, written once and run against
/// Docker and Podman (<see cref="DockerMetadataTests"/>, <see cref="PodmanMetadataTests"/>). The
/// engine's own CLI is the independent oracle. Containers are removed by <see cref="EngineCli"/>,
/// volumes by <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class MetadataScenarios(EngineCli cli) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Far longer than any answer takes on the rig; a phase that takes this long hangs.</summary>
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(90);

    private readonly List<(string Volume, string Container)> _volumes = [];
    private DockerRuntime? _runtime;

    private bool Podman => cli.Engine == TestSupport.Engine.Podman;

    private async Task<DockerRuntime> RuntimeAsync()
    {
        _runtime ??= new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(cli.Endpoint), CallTimeout, TimeProvider.System, CancellationToken.None));
        return _runtime;
    }

    private async Task<ContainerInfo> ListedAsync(string id) =>
        (await (await RuntimeAsync()).ListContainersAsync(CancellationToken.None)).Single(c => c.Id == id);

    private async Task<RecordingSink> CollectAsync(ContainerInfo container, CollectionPhase phase)
    {
        var runtime = await RuntimeAsync();
        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(container, phase, sink, new CollectionOptions(), CancellationToken.None).WaitAsync(NoHang);
        return sink;
    }

    public async Task TopListsTheSameProcessesAsTheCli()
    {
        string name = EngineCli.NewName("top");
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        string id = cli.RunDetached(name, [], "sh", "-c", "sleep 3600 & sleep 3600");
        var expected = await EventuallyTwoProcessesAsync(name);

        var sink = await CollectAsync(await ListedAsync(id), CollectionPhase.Volatile);

        Assert.Empty(sink.Errors);
        Assert.Equal(["top.json", "stats.json"], sink.Items.Select(i => i.Item.Name));
        Assert.All(sink.Items, i => Assert.Equal(EvidenceSection.Volatile, i.Item.Section));
        var top = sink.Items[0];
        Assert.Equal(EntryStatus.Collected, top.Item.Status);
        using var doc = JsonDocument.Parse(top.Content);
        Assert.Equal(expected, Column(doc.RootElement, "PID"));
        if (Podman)
        {
            // Podman's PID is the container's pid namespace; HPID, the host's, is there too.
            Assert.Equal(CliColumn(cli.Run("top", name, "hpid"), "HPID"), Column(doc.RootElement, "HPID"));
            Assert.Contains("ps_args=", top.Item.Source!.Description, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal($"GET /v1.41/containers/{id}/top", top.Item.Source!.Description);
        }
        // Nothing was run inside the container to get the list (Podman's default top would have).
        Assert.DoesNotContain(ContainerEvents(name, since), a => a.StartsWith("exec", StringComparison.Ordinal));
    }

    public async Task StatsSampleNamesTheContainer()
    {
        string name = EngineCli.NewName("stats");
        string id = cli.RunDetached(name, [], "sleep", "3600");

        var sink = await CollectAsync(await ListedAsync(id), CollectionPhase.Volatile);

        Assert.Empty(sink.Errors);
        var (item, content) = sink.Items.Single(i => i.Item.Name == "stats.json");
        Assert.Equal(EntryStatus.Collected, item.Status);
        Assert.Equal($"GET /v1.41/containers/{id}/stats?stream=false&one-shot=true", item.Source!.Description);
        using var doc = JsonDocument.Parse(content);
        // Docker names it "id", Podman 4.3 "Id".
        Assert.Equal(id, Json.String(doc.RootElement, Podman ? "Id" : "id"));
        Assert.True(doc.RootElement.TryGetProperty("memory_stats", out _));
    }

    public async Task PausedContainerGetsTopOrAReasonAndNoHang()
    {
        string name = EngineCli.NewName("paused");
        string id = cli.RunDetached(name, [], "sh", "-c", "sleep 3600 & sleep 3600");
        var expected = await EventuallyTwoProcessesAsync(name);
        cli.Run("pause", name);
        try
        {
            var container = await ListedAsync(id);
            Assert.Equal("paused", container.State);

            var sink = await CollectAsync(container, CollectionPhase.Volatile);

            Assert.Empty(sink.Errors);
            Assert.Equal(["top.json", "stats.json"], sink.Items.Select(i => i.Item.Name));
            var (top, content) = sink.Items[0];
            if (Podman)
            {
                // Podman 4.3 answers 200 with an empty body for a paused container.
                Assert.Equal(EntryStatus.Failed, top.Status);
                Assert.StartsWith("Podman lists no processes of a paused container", top.Reason, StringComparison.Ordinal);
                Assert.Empty(content);
            }
            else
            {
                Assert.Equal(EntryStatus.Collected, top.Status);
                using var doc = JsonDocument.Parse(content);
                Assert.Equal(expected, Column(doc.RootElement, "PID"));
            }
            var stats = sink.Items[1].Item;
            Assert.Equal(EntryStatus.Skipped, stats.Status);
            Assert.Contains("paused", stats.Reason, StringComparison.Ordinal);
            Assert.Empty(sink.Items[1].Content);
        }
        finally
        {
            cli.Run("unpause", name);
        }
    }

    public async Task StoppedContainerHasNoVolatileEvidence()
    {
        string name = EngineCli.NewName("stopped");
        string id = cli.RunToExit(name, [], "true");
        var sink = await CollectAsync(await ListedAsync(id), CollectionPhase.Volatile);
        Assert.Empty(sink.Items);
        Assert.Empty(sink.Errors);
    }

    public async Task MetadataDocumentsMatchTheCli()
    {
        string volume = EngineCli.NewName("vol");
        cli.Run("volume", "create", volume);
        string name = EngineCli.NewName("meta");
        _volumes.Add((volume, name));
        string id = cli.RunDetached(name, ["-e", "SECRET=cfir-test", "--label", "cfir.case=42", "-v", volume + ":/data"], "sleep", "3600");
        cli.Run("exec", name, "sh", "-c", "echo planted > /tmp/dropped && rm /bin/uname");

        var sink = await CollectAsync(await ListedAsync(id), CollectionPhase.Metadata);

        Assert.Empty(sink.Errors);
        Assert.Equal(["inspect.json", "image.json", "image-history.json", "mounts.json"], sink.Items.Select(i => i.Item.Name));
        Assert.All(sink.Items, i => Assert.Equal(EvidenceSection.Metadata, i.Item.Section));
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Item.Status));

        // Environment and labels are evidence: in inspect.json as the engine has them.
        using var inspect = JsonDocument.Parse(sink["inspect.json"].Content);
        var config = inspect.RootElement.GetProperty("Config");
        Assert.Contains("SECRET=cfir-test", config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("42", config.GetProperty("Labels").GetProperty("cfir.case").GetString());

        // The image the container runs, by id; Podman's CLI writes the id without "sha256:", its compat API with.
        using var image = JsonDocument.Parse(sink["image.json"].Content);
        string imageId = inspect.RootElement.GetProperty("Image").GetString()!;
        Assert.Equal(imageId, image.RootElement.GetProperty("Id").GetString());
        Assert.Equal(StripDigest(cli.Run("image", "inspect", "--format", "{{.Id}}", TestSupport.RigEnvironment.Image)), StripDigest(imageId));
        Assert.Equal($"GET /v1.41/images/{Uri.EscapeDataString(imageId)}/json", sink.Items[1].Item.Source!.Description);

        using var history = JsonDocument.Parse(sink["image-history.json"].Content);
        int cliLayers = cli.Run("history", "-q", TestSupport.RigEnvironment.Image).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(cliLayers, history.RootElement.GetArrayLength());

        // Kind 1 added, 2 deleted: what the test did inside the container. The diff is asked at
        // the end of the logs phase (DockerChangesCollector), into the metadata section.
        var logs = await CollectAsync(await ListedAsync(id), CollectionPhase.Logs);
        Assert.Empty(logs.Errors);
        var diff = Assert.Single(logs.Items, i => i.Item.Name == "changes.json");
        Assert.Equal(EvidenceSection.Metadata, diff.Item.Section);
        Assert.Equal($"GET /v1.41/containers/{id}/changes", diff.Item.Source!.Description);
        using var changes = JsonDocument.Parse(diff.Content);
        var kinds = changes.RootElement.EnumerateArray().ToDictionary(c => c.GetProperty("Path").GetString()!, c => c.GetProperty("Kind").GetInt32());
        Assert.Equal(1, kinds["/tmp/dropped"]);
        Assert.Equal(2, kinds["/bin/uname"]);
        Assert.Equal(0, kinds["/tmp"]);

        using var mounts = JsonDocument.Parse(sink["mounts.json"].Content);
        var mount = Assert.Single(mounts.RootElement.GetProperty("mounts").EnumerateArray(), m => m.GetProperty("Name").GetString() == volume);
        Assert.Equal("/data", mount.GetProperty("Destination").GetString());
        var described = Assert.Single(mounts.RootElement.GetProperty("volumes").EnumerateArray());
        Assert.Equal(volume, described.GetProperty("name").GetString());
        Assert.Equal(volume, described.GetProperty("volume").GetProperty("Name").GetString());
        Assert.Equal(cli.Run("volume", "inspect", "--format", "{{.Mountpoint}}", volume), described.GetProperty("volume").GetProperty("Mountpoint").GetString());
        // The Mounts array is the inspect document's, byte for byte.
        Assert.Equal(inspect.RootElement.GetProperty("Mounts").GetRawText(), mounts.RootElement.GetProperty("mounts").GetRawText());
    }

    public async Task EngineEvidenceHasEventsAndInventories()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-2);
        string name = EngineCli.NewName("events");
        string id = cli.RunDetached(name, [], "sleep", "3600");
        var runtime = await RuntimeAsync();

        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, new CollectionOptions { EventsSince = since }, CancellationToken.None).WaitAsync(NoHang);

        Assert.Empty(sink.Errors);
        string[] podmanOnly = Podman ? ["pods.json", "libpod-containers.json"] : [];
        Assert.Equal(["version.json", "info.json", "events.jsonl", "networks.json", "volumes.json", "images.json", "df.json", .. podmanOnly], sink.Items.Select(i => i.Item.Name));
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Item.Status));

        var events = Encoding.UTF8.GetString(sink["events.jsonl"].Content).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Contains(events, e => Json.String(e, "Type") == "container" && Json.String(e, "Action") == "start" &&
            Json.Object(e, "Actor") is { } actor && Json.String(actor, "ID") == id);
        string description = sink.Items[2].Item.Source!.Description!;
        Assert.StartsWith("GET /v1.41/events?since=", description, StringComparison.Ordinal);
        Assert.EndsWith(Podman ? "&stream=false" : "", description, StringComparison.Ordinal);
        Assert.Equal(!Podman, description.Contains("&until=", StringComparison.Ordinal));

        using var networks = JsonDocument.Parse(sink["networks.json"].Content);
        Assert.Contains(networks.RootElement.EnumerateArray(), n => n.GetProperty("Name").GetString() is "none" or "bridge");
        using var volumes = JsonDocument.Parse(sink["volumes.json"].Content);
        Assert.Equal(JsonValueKind.Array, volumes.RootElement.GetProperty("Volumes").ValueKind);
        using var images = JsonDocument.Parse(sink["images.json"].Content);
        string imageId = cli.Inspect(name, "{{.Image}}");
        Assert.Contains(images.RootElement.EnumerateArray(), i => StripDigest(i.GetProperty("Id").GetString()!) == StripDigest(imageId));
        using var df = JsonDocument.Parse(sink["df.json"].Content);
        Assert.Equal(JsonValueKind.Array, df.RootElement.GetProperty("Images").ValueKind);
        Assert.Equal("GET /v1.41/system/df", sink.Items[6].Item.Source!.Description);
    }

    /// <summary>Podman only: its pods and which containers belong to them (the compat API has neither).</summary>
    public async Task PodsAndTheirContainersAreRecorded()
    {
        string pod = EngineCli.NewName("pod");
        // --infra=false: the rig has no catatonit for an infra container.
        cli.Run("pod", "create", "--infra=false", "--name", pod);
        try
        {
            string name = EngineCli.NewName("inpod");
            string id = cli.RunDetached(name, ["--pod", pod], "sleep", "3600");
            var runtime = await RuntimeAsync();
            var sink = new RecordingSink();
            await runtime.CollectEngineAsync(sink, new CollectionOptions { EventsSince = DateTimeOffset.UtcNow }, CancellationToken.None).WaitAsync(NoHang);

            using var pods = JsonDocument.Parse(sink["pods.json"].Content);
            var listed = Assert.Single(pods.RootElement.EnumerateArray(), p => p.GetProperty("Name").GetString() == pod);
            Assert.Contains(listed.GetProperty("Containers").EnumerateArray(), c => c.GetProperty("Id").GetString() == id);
            using var containers = JsonDocument.Parse(sink["libpod-containers.json"].Content);
            var mine = Assert.Single(containers.RootElement.EnumerateArray(), c => c.GetProperty("Id").GetString() == id);
            Assert.Equal(pod, mine.GetProperty("PodName").GetString());
            Assert.False(mine.GetProperty("IsInfra").GetBoolean());
            Assert.Equal(pod, (await ListedAsync(id)).PodmanPod);
            cli.Remove(name);
        }
        finally
        {
            cli.Run("pod", "rm", "-f", pod);
        }
    }

    /// <summary>The shell forks its second sleep a moment after start: wait until the CLI sees both.</summary>
    private async Task<IReadOnlyList<string>> EventuallyTwoProcessesAsync(string name)
    {
        IReadOnlyList<string> pids = [];
        for (int i = 0; i < 50; i++)
        {
            pids = CliColumn(cli.Run("top", name), "PID");
            if (pids.Count == 2)
            {
                return pids;
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"{name}: expected two processes, the CLI lists {pids.Count}");
    }

    /// <summary>One column of an engine's top answer, in row order.</summary>
    private static List<string> Column(JsonElement top, string title)
    {
        int index = top.GetProperty("Titles").EnumerateArray().Select(t => t.GetString()).ToList().IndexOf(title);
        Assert.True(index >= 0, $"no {title} column in {top.GetRawText()}");
        return top.GetProperty("Processes").EnumerateArray().Select(p => p[index].GetString()!).ToList();
    }

    /// <summary>One column of the CLI's top table (the columns before COMMAND have no spaces).</summary>
    private static List<string> CliColumn(string table, string title)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int index = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList().IndexOf(title);
        Assert.True(index >= 0, $"no {title} column in {table}");
        return lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[index]).ToList();
    }

    /// <summary>The actions the engine logged for one container since a time, from its CLI.</summary>
    private List<string> ContainerEvents(string name, DateTimeOffset since)
    {
        string from = since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        // Podman 4.3 returns nothing for an --until in the past (file event logger): read the log to its end instead.
        string output = Podman
            ? cli.Run("events", "--since", from, "--stream=false", "--filter", "container=" + name, "--format", "{{.Status}}")
            : cli.Run("events", "--since", from, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                "--filter", "container=" + name, "--format", "{{.Action}}");
        var actions = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Trim()).ToList();
        Assert.Contains("start", actions);
        return actions;
    }

    private static string StripDigest(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) ? id["sha256:".Length..] : id;

    public async ValueTask DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
        foreach (var (volume, container) in _volumes)
        {
            try
            {
                cli.Remove(container);
            }
            catch (InvalidOperationException)
            {
            }
            try
            {
                cli.Run("volume", "rm", "-f", volume);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
