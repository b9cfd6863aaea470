using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using static ContainerForensics.Kubernetes.Tests.PodContextFixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>A whole run through the real <see cref="CollectionRunner"/>: where a pod's context lands in the archive, and what never does.</summary>
public sealed class PodContextRunTests
{
    [Fact]
    public async Task ARunPutsThePodsContextInItsApiFolderAndNoSecretValueAnywhere()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var runtime = await rig.ConnectAsync();
        var archive = new RecordingArchiveWriter();
        var options = new CollectionOptions { Filesystem = FilesystemMode.None, Parallelism = 4, Selector = new ContainerSelector { Names = [$"{Ns}/{WebPod}"] } };

        await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None)
            .RunAsync([runtime], options, archive, CancellationToken.None).WaitAsync(StandInRig.Budget);

        string folder = $"containers/kubernetes/{Ns}/pods/{Ns}_{WebPod}_{WebPodUid}/";
        var paths = archive.Paths.ToList();
        foreach (string name in (string[])["pod.json", "rbac/grants.json", "secrets/db-credentials.json", "owners/2-deployment-web.json", "configmaps/web-config.json"])
        {
            Assert.Single(paths, p => p.StartsWith(folder, StringComparison.Ordinal) && p.EndsWith("/" + name, StringComparison.Ordinal));
        }
        Assert.Empty(archive.Errors);
        byte[] value = Encoding.UTF8.GetBytes(SecretValue);
        byte[] encoded = Encoding.UTF8.GetBytes(SecretValueBase64);
        Assert.All(archive.Entries, e =>
        {
            Assert.True((e.Bytes ?? []).AsSpan().IndexOf(value) < 0 && (e.Bytes ?? []).AsSpan().IndexOf(encoded) < 0, $"{e.Entry.Path.Value} holds the value");
        });
        Assert.DoesNotContain(archive.Entries, e => e.Status is EntryStatus.Failed or EntryStatus.Missing or EntryStatus.Partial);
    }
}
