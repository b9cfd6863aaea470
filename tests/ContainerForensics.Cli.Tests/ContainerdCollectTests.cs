using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary><c>cfir collect --runtime containerd</c> against the rig's containerd, namespace default.</summary>
public sealed class ContainerdCollectTests
{
    [EngineFact(Engine.Containerd)]
    public async Task Collect_OneContainerdContainer_VerifiesAndHoldsItsSpec()
    {
        await using var container = await PlantedContainer.ContainerdAsync("default");
        using var dir = new TempDirectory();
        string archive = dir["c.tar.gz"];

        var result = await CfirProcess.RunAsync(["collect", container.Name, .. CfirProcess.ContainerdFlags, "-o", archive], environment: null);

        Assert.True(result.ExitCode == (int)ExitCode.Complete, result.Describe());
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        await ArchiveTools.ExtractAndCheckSumsAsync(archive, dir["x"], gzip: true);
        var members = await ArchiveTools.ListAsync(archive);
        // The folder is containers/containerd/default/<name>[_<id12>]: the id is the name here.
        string spec = Assert.Single(members, m => m.StartsWith($"containers/containerd/default/{container.Name}", StringComparison.Ordinal) && m.EndsWith("/metadata/spec.json", StringComparison.Ordinal));
        var doc = await ArchiveTools.ReadJsonMemberAsync(archive, spec);
        // An OCI runtime spec, and this container's: its process runs the planted command.
        Assert.True(doc.TryGetProperty("ociVersion", out _), $"{spec} is not an OCI spec: {doc}");
        Assert.Equal(["sleep", "3600"], doc.GetProperty("process").GetProperty("args").EnumerateArray().Select(a => a.GetString()));

        // The running task also gets the host-side evidence (shared with every runtime): its init is `sleep 3600`.
        string processes = Assert.Single(members, m => m.StartsWith($"containers/containerd/default/{container.Name}", StringComparison.Ordinal) && m.EndsWith("/volatile/processes.json", StringComparison.Ordinal));
        var procs = await ArchiveTools.ReadJsonMemberAsync(archive, processes);
        Assert.Contains(procs.GetProperty("processes").EnumerateArray(), p =>
            p.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).SequenceEqual(["sleep", "3600"]));

        // A plain containerd container has no /etc/hosts, /etc/hostname or resolv.conf unless its
        // image does: looked for, recorded as absent, and no reason for a partial run (exit 0 above).
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        var etc = manifest.Where(e => e.GetProperty("path").GetString()!.Contains($"{container.Name}", StringComparison.Ordinal)
            && e.GetProperty("path").GetString()!.Contains("/volatile/etc/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, etc.Count);
        Assert.All(etc, e => Assert.Contains(e.GetProperty("status").GetString(), (string[])["collected", "absent"]));
    }
}
