using System.Net;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests.Runtime;

/// <summary>
/// changes.json (the daemon's diff of the writable layer): asked at the end of the logs phase,
/// deferred, and while it runs the later phases read the last inspect document instead of
/// waiting for the container lock that dockerd holds during a diff. What real engines cannot be
/// made to do on demand (a diff that lasts, a container gone between two calls) is played by a
/// fake daemon shaped like Docker 20.10 and Podman 4.3.1 on the rig.
/// </summary>
public sealed class ChangesCollectorTests
{
    private const string Id = "655acef770371e380aaf6288d392b921651abeb3222f3ebd6d4b2f4b4de4dda9";
    private const string Inspect = $$$"""{"Id":"{{{Id}}}","Name":"/web","State":{"Status":"running","Pid":4126},"LogPath":"","HostConfig":{"LogConfig":{"Type":"json-file"}},"Config":{"Tty":true}}""";
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private static ContainerInfo Container() => new() { Runtime = "docker", Id = Id, Name = "web", State = "running" };

    [Fact]
    public async Task While_the_diff_runs_the_last_inspect_document_is_used_and_afterwards_a_fresh_one()
    {
        using var diffAsked = new ManualResetEventSlim();
        using var diffMayEnd = new ManualResetEventSlim();
        int inspections = 0;
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            $"/v1.41/containers/{Id}/json" => Inspected(ref inspections),
            $"/v1.41/containers/{Id}/changes" => Diff(diffAsked, diffMayEnd),
            _ => null,
        }));
        var client = await FakeDaemon.ConnectAsync(server);
        using var _ = client;
        var inspects = new ContainerInspects(client);
        var sink = new RecordingSink { DeferInBackground = true };

        var first = await inspects.CurrentAsync(Container(), default);
        await new DockerChangesCollector(client, new SemaphoreSlim(1), inspects).DeferAsync(Container(), sink, default).WaitAsync(HangGuard);
        Assert.True(diffAsked.Wait(HangGuard));

        // The diff is running: no inspect is sent (dockerd would hold it until the diff ends).
        Assert.Same(first, await inspects.CurrentAsync(Container(), default).WaitAsync(HangGuard));
        Assert.Equal(1, inspections);

        diffMayEnd.Set();
        await sink.DeferredAsync().WaitAsync(HangGuard);
        Assert.Equal("""[{"Path":"/tmp","Kind":0}]""", Encoding.UTF8.GetString(sink["changes.json"].Content));
        var fresh = await inspects.CurrentAsync(Container(), default);
        Assert.NotSame(first, fresh);
        Assert.Equal(2, inspections);
    }

    [Fact]
    public async Task The_logs_phase_ends_by_asking_for_the_diff_and_a_failed_diff_is_recorded()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json(Inspect),
            $"/v1.41/containers/{Id}/logs" => FakeResponse.Stream([]),
            $"/v1.41/containers/{Id}/changes" => FakeResponse.Json("""{"message":"changes broke"}""", HttpStatusCode.InternalServerError),
            _ => null,
        }));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(Container(), CollectionPhase.Logs, sink, new CollectionOptions(), CancellationToken.None);

        var (message, ex) = Assert.Single(sink.Errors);
        Assert.Equal("changes.json not collected", message);
        Assert.Contains("changes broke", ex!.Message, StringComparison.Ordinal);
        Assert.Equal(["files", "tty.log"], sink.Items.Select(i => i.Item.Name)); // no changes.json
        Assert.Equal($"GET /v1.41/containers/{Id}/changes", server.Requests.ToList()[^2]);
        Assert.Equal($"GET /v1.41/containers/{Id}/json", server.Requests.ToList()[^1]); // is it still there? yes: the failure is the call's
    }

    [Fact]
    public async Task Podman_changes_of_a_vanished_container_is_container_gone()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion, r => r.Path switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json($$"""{"cause":"no such container","message":"no container with name or ID \"{{Id}}\" found: no such container","response":404}""", HttpStatusCode.NotFound),
            // What Podman 4.3.1 answers for the changes of a container that does not exist.
            $"/v1.41/containers/{Id}/changes" => FakeResponse.Json($$"""{"cause":"layer not known","message":"{{Id}} not found: layer not known","response":500}""", HttpStatusCode.InternalServerError),
            _ => null,
        }));
        var client = await FakeDaemon.ConnectAsync(server);
        using var _ = client;
        var sink = new RecordingSink();

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() =>
            new DockerChangesCollector(client, new SemaphoreSlim(1), new ContainerInspects(client)).DeferAsync(Container(), sink, default));

        Assert.Equal(Id, gone.ContainerId);
        Assert.Empty(sink.Items);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task No_more_diffs_run_at_once_than_the_slots_allow()
    {
        using var twoAsked = new ManualResetEventSlim();
        using var mayEnd = new ManualResetEventSlim();
        int open = 0, most = 0, asked = 0;
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
        {
            if (!r.Path.EndsWith("/changes", StringComparison.Ordinal))
            {
                return null;
            }
            int now = Interlocked.Increment(ref open);
            InterlockedMax(ref most, now);
            if (Interlocked.Increment(ref asked) == 2)
            {
                twoAsked.Set();
            }
            mayEnd.Wait(HangGuard);
            Interlocked.Decrement(ref open);
            return FakeResponse.Json("null");
        }));
        var client = await FakeDaemon.ConnectAsync(server);
        using var _ = client;
        var slots = new SemaphoreSlim(2);
        var inspects = new ContainerInspects(client);
        var sink = new RecordingSink { DeferInBackground = true };
        foreach (int i in Enumerable.Range(0, 5))
        {
            await new DockerChangesCollector(client, slots, inspects).DeferAsync(Container() with { Id = $"{i}{Id[1..]}" }, sink, default);
        }

        Assert.True(twoAsked.Wait(HangGuard));
        await Task.Delay(200); // a third, if the slots let one through, would arrive now
        Assert.Equal(2, Volatile.Read(ref open));
        mayEnd.Set();
        await sink.DeferredAsync().WaitAsync(HangGuard);
        Assert.Equal(2, most);
        Assert.Equal(5, sink.Items.Count);
    }

    [Fact]
    public async Task A_large_diff_is_streamed_byte_exact_and_a_cut_one_keeps_what_came_and_says_so()
    {
        // 100,000 changes arrive in 64 KiB pieces, as a big layer's answer does (about 5 MB).
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $$"""{"Path":"/data/f{{i:D6}}","Kind":1}""")) + "]");
        var chunks = body.Chunk(64 * 1024).ToList();
        string cutId = "1" + Id[1..];
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path == $"/v1.41/containers/{Id}/changes" ? FakeResponse.Stream(chunks)
            : r.Path == $"/v1.41/containers/{cutId}/changes" ? FakeResponse.Stream(chunks.Take(3).ToList(), FakeBehaviour.Close)
            : null));
        var client = await FakeDaemon.ConnectAsync(server);
        using var _ = client;
        var whole = new RecordingSink();
        var cut = new RecordingSink();

        await new DockerChangesCollector(client, new SemaphoreSlim(1), new ContainerInspects(client)).DeferAsync(Container(), whole, default).WaitAsync(HangGuard);
        await new DockerChangesCollector(client, new SemaphoreSlim(1), new ContainerInspects(client)).DeferAsync(Container() with { Id = cutId }, cut, default).WaitAsync(HangGuard);

        var (item, content) = Assert.Single(whole.Items);
        Assert.Null(item.Content!.Length); // handed over as a stream, not read whole first
        Assert.Equal(body, content);
        Assert.Equal($"GET /v1.41/containers/{Id}/changes", item.Source!.Description);
        Assert.All(whole.Items, i => Assert.Null(i.Note));

        Assert.Equal(body.AsSpan(0, 3 * 64 * 1024).ToArray(), Assert.Single(cut.Items).Content);
        Assert.True(cut["changes.json"].Note is not null, "a cut body must say it was cut");
        Assert.Empty(cut.Errors);
    }

    private static FakeResponse Inspected(ref int inspections)
    {
        Interlocked.Increment(ref inspections);
        return FakeResponse.Json(Inspect);
    }

    private static FakeResponse Diff(ManualResetEventSlim asked, ManualResetEventSlim mayEnd)
    {
        asked.Set();
        mayEnd.Wait(HangGuard);
        return FakeResponse.Json("""[{"Path":"/tmp","Kind":0}]""");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
