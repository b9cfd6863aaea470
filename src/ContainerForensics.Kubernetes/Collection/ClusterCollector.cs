using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>The cluster as a whole. (Being written.)</summary>
internal sealed class ClusterCollector(KubernetesRuntime runtime)
{
    public async Task CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "version.json", runtime.VersionDocument, runtime.Evidence.Describe("GET", "/version")), cancellationToken).ConfigureAwait(false);
    }
}
