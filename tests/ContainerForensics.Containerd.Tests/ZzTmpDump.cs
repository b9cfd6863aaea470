using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
namespace ContainerForensics.Containerd.Tests;
public sealed class ZzTmpDump(Xunit.Abstractions.ITestOutputHelper o)
{
    [Fact]
    public async Task Dump()
    {
        await using var ctr = new Ctr();
        string id = await ctr.RunAsync("default");
        var probes = await new ContainerdRuntimeProvider().ProbeAsync(new RuntimeSettings(), default);
        foreach (var p in probes) o.WriteLine($"{p.Endpoint} {p.Runtime?.Descriptor.Version} {p.Reason} {string.Join(",", p.Runtime?.Descriptor.Details ?? new Dictionary<string,string>())}");
        var rt = probes.First(p => p.Runtime != null).Runtime!;
        foreach (var c in await rt.ListContainersAsync(default)) o.WriteLine(c.ToString());
        var sink = new RecordingSink();
        await rt.CollectEngineAsync(sink, new CollectionOptions(), default);
        var info = (await rt.ListContainersAsync(default)).Single(c => c.Id == id);
        await rt.CollectContainerAsync(info, CollectionPhase.Metadata, sink, new CollectionOptions(), default);
        foreach (var (item, bytes) in sink.Items) o.WriteLine($"--- {item.Name} {item.Status} {item.Source?.Description}\n{System.Text.Encoding.UTF8.GetString(bytes ?? [])[..Math.Min(1500, bytes?.Length ?? 0)]}");
        foreach (var p in probes) if (p.Runtime != null) await p.Runtime.DisposeAsync();
    }
}
