using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>Engine-wide evidence of a Docker or Podman daemon (runtimes/&lt;name&gt;/metadata/).</summary>
internal sealed class DockerEngineCollector(DockerClient client)
{
    public async Task CollectAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        // The /version answer the runtime was negotiated with, byte-exact and stamped with when it came.
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, "version.json", client.ServerVersion.Raw, cancellationToken).ConfigureAwait(false);
        try
        {
            var info = await client.System.InfoRawAsync(cancellationToken).ConfigureAwait(false);
            await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, "info.json", info, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerException ex)
        {
            sink.RecordError("info.json not collected", ex);
        }
        _ = options;
    }
}
