using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// The metadata phase of one container: the daemon's view of it (containers/.../metadata/):
/// inspect.json first (its environment and labels are evidence and stay as sent), then
/// image.json, image-history.json and mounts.json, each its own failure boundary. changes.json
/// is asked later (<see cref="DockerChangesCollector"/>).
/// </summary>
/// <remarks>
/// A container that vanished (404 on a call about it) ends the phase with
/// <see cref="ContainerGoneException"/>; an image deleted meanwhile (404 on the image) is a
/// missing image.json, not a vanished container. Podman's history has ids without
/// <c>sha256:</c> and no tags.
/// </remarks>
internal sealed class DockerMetadataCollector(DockerClient client)
{
    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        _ = options;
        var inspect = await DockerEvidence.AboutContainerAsync(container, () => client.Containers.InspectRawAsync(container.Id, cancellationToken)).ConfigureAwait(false);
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, "inspect.json", inspect, cancellationToken).ConfigureAwait(false);

        // The image id the container runs (sha256:...), not its name: a tag may have moved since.
        if (Json.String(inspect.Root, "Image") is { Length: > 0 } imageId)
        {
            await ImageAsync(imageId, "image.json", () => client.Images.InspectRawAsync(imageId, cancellationToken), sink, cancellationToken).ConfigureAwait(false);
            await ImageAsync(imageId, "image-history.json", () => client.Images.HistoryRawAsync(imageId, cancellationToken), sink, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            sink.RecordError("image.json and image-history.json not collected: the inspect document names no image id");
        }
        await MountsAsync(container, inspect, sink, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ImageAsync(string imageId, string name, Func<Task<DockerJson>> call, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        DockerJson json;
        try
        {
            json = await call().ConfigureAwait(false);
        }
        catch (DockerNotFoundException ex)
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Metadata,
                Name = name,
                Status = EntryStatus.Missing,
                Reason = $"image {imageId} no longer exists: {ex.Detail}",
                Source = new EvidenceSource { Description = ex.Call },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (DockerException ex)
        {
            sink.RecordError($"{name} not collected", ex);
            return;
        }
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, name, json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// mounts.json, a document cfir writes: the inspect document's <c>Mounts</c> array as sent,
    /// and for each volume mount (named or anonymous) the daemon's own <c>GET /volumes/{name}</c>
    /// answer, byte-exact, or why it is missing. Bind mounts are described only: the host paths
    /// they show are not collected here. tmpfs mounts given with <c>--tmpfs</c> are not in
    /// <c>Mounts</c> for either engine (they are in inspect.json's <c>HostConfig.Tmpfs</c>).
    /// </summary>
    private async Task MountsAsync(ContainerInfo container, DockerJson inspect, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var volumes = new List<(string Name, string Call, DockerJson? Answer, string? Error)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mount in Json.Array(inspect.Root, "Mounts"))
        {
            if (Json.String(mount, "Type") != "volume" || Json.String(mount, "Name") is not { Length: > 0 } name || !seen.Add(name))
            {
                continue;
            }
            string call = client.Volumes.InspectCall(name);
            try
            {
                volumes.Add((name, call, await client.Volumes.InspectRawAsync(name, cancellationToken).ConfigureAwait(false), null));
            }
            catch (DockerException ex)
            {
                volumes.Add((name, call, null, ex.Detail));
                sink.RecordError($"mounts.json: volume {name} not described", ex);
            }
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, EvidenceJsonOptions.Indented))
        {
            json.WriteStartObject();
            json.WriteString("containerId", container.Id);
            json.WriteString("mountsFrom", inspect.Call);
            json.WriteString("mountsReceivedAt", inspect.ReceivedAt.ToIso8601());
            json.WriteString("note",
                "mounts is the inspect document's Mounts array as the daemon sent it. Bind mounts are described only: " +
                "their content on the host is not collected. Mounts given with --tmpfs are not listed there (see HostConfig.Tmpfs in inspect.json). " +
                "volumes has, for each volume mount, the daemon's own answer about the volume, byte-exact.");
            json.WritePropertyName("mounts");
            if (inspect.Root.ValueKind == JsonValueKind.Object && inspect.Root.TryGetProperty("Mounts", out var mounts))
            {
                json.WriteRawValue(mounts.GetRawText(), skipInputValidation: true);
            }
            else
            {
                json.WriteNullValue();
            }
            json.WriteStartArray("volumes");
            foreach (var (name, call, answer, error) in volumes)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("call", call);
                if (answer is not null)
                {
                    json.WriteString("receivedAt", answer.ReceivedAt.ToIso8601());
                    json.WritePropertyName("volume");
                    json.WriteRawValue(answer.Bytes.Span, skipInputValidation: true);
                }
                else
                {
                    json.WriteString("error", error);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        string description = volumes.Count == 0 ? inspect.Call + " (Mounts)" : inspect.Call + " (Mounts) and GET /volumes/{name} per volume";
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "mounts.json", buffer.ToArray(), description), cancellationToken).ConfigureAwait(false);
    }
}
