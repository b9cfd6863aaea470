using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// A real containerd that stops answering in the middle of a run (SIGSTOP on a private daemon):
/// every later call costs its deadline and becomes a record naming it, never a hang.
/// </summary>
public sealed class ContainerdHangTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Hang guard only: far above what the deadlines add up to.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    [EngineFact(Engine.Containerd)]
    public async Task StoppedDaemon_CallsFailAfterTheirDeadline_AndAreRecorded()
    {
        Assert.True(Environment.UserName == "root", "a private containerd needs root");
        await using var daemon = await PrivateContainerd.StartAsync();
        await using var runtime = await ContainerdRuntime.ConnectAsync(daemon.SocketPath, new RuntimeSettings { CallTimeout = CallTimeout }, default);
        Assert.Empty(await runtime.ListContainersAsync(default));
        var before = new RecordingSink();
        await runtime.CollectEngineAsync(before, new CollectionOptions(), default);
        Assert.Equal(EntryStatus.Collected, before["version.json"].Item.Status);

        daemon.Signal("STOP");

        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, new CollectionOptions(), default).WaitAsync(Guard);
        foreach (string name in new[] { "version.json", "namespaces.json" })
        {
            var item = sink[name].Item;
            Assert.Equal(EntryStatus.Failed, item.Status);
            Assert.Contains("no answer within 2 s", item.Reason, StringComparison.Ordinal);
        }
        Assert.Contains(sink.ErrorTexts, e => e.Contains("cannot list namespaces", StringComparison.Ordinal) && e.Contains("no answer within 2 s", StringComparison.Ordinal));

        var list = await Assert.ThrowsAsync<GrpcTimeoutException>(() => runtime.ListContainersAsync(default).WaitAsync(Guard));
        Assert.Equal(CallTimeout, list.Timeout);
        Assert.EndsWith("Namespaces/List", list.Method, StringComparison.Ordinal);

        var someone = new ContainerInfo { Runtime = "containerd", Id = "cfir-test-frozen", Name = "cfir-test-frozen", RuntimeNamespace = "default", State = "running" };
        var fs = await Assert.ThrowsAsync<GrpcTimeoutException>(() =>
            runtime.CollectContainerAsync(someone, CollectionPhase.Filesystem, new RecordingSink(), new CollectionOptions(), default).WaitAsync(Guard));
        Assert.EndsWith("Containers/Get", fs.Method, StringComparison.Ordinal);
    }
}
