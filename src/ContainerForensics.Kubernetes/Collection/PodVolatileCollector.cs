using System.Globalization;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Api;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// The Volatile phase of a pod, taken for every selected pod before anything else of the cluster:
/// the pod object (GET, the server's bytes) and the logs of every container, init, app and
/// ephemeral, current and previous, with the kubelet's timestamps, streamed and hashed. Both logs
/// of a container are recorded even when one is absent. A pod the server no longer has, or that
/// now has another uid (deleted and created again under its name), vanished: nothing of the new
/// pod is attributed to the listed one.
/// </summary>
internal sealed class PodVolatileCollector(ApiEvidence api)
{
    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var pod = container.PodMembership ?? throw new ArgumentException("a Kubernetes pod unit has a pod membership", nameof(container));
        string path = ApiPaths.Pod(pod.Namespace, pod.Name);
        byte[] bytes;
        try
        {
            bytes = await api.Api.GetBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiCallException ex) when (ex.IsNotFound)
        {
            throw new ContainerGoneException(container.Id, $"the API server has no pod {pod.DisplayName} any more (404)", ex);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
        {
            await sink.AddAsync(api.Failure(EvidenceSection.Metadata, "pod.json", "GET", path, ex, ""), cancellationToken).ConfigureAwait(false);
            sink.RecordError($"the logs of pod {pod.DisplayName} were not collected: its object, which names its containers, could not be read");
            return;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "pod.json", bytes, api.Describe("GET", path)), cancellationToken).ConfigureAwait(false);
            sink.RecordError($"the API server's answer for pod {pod.DisplayName} is not JSON ({ex.Message}); it is kept as pod.json, and its logs were not collected: their containers could not be named", ex);
            return;
        }
        using var _ = document;
        string? uid = document.RootElement.TryGetProperty("metadata", out var meta) ? PodListing.Text(meta, "uid") : null;
        if (pod.Uid.Length > 0 && uid != pod.Uid)
        {
            throw new ContainerGoneException(container.Id,
                $"pod {pod.DisplayName} now has uid {uid ?? "(none)"}, not the listed {pod.Uid}: the listed pod was deleted and another created under its name");
        }
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "pod.json", bytes, api.Describe("GET", path)), cancellationToken).ConfigureAwait(false);

        foreach (var c in PodContainer.Of(document.RootElement))
        {
            await AddLogAsync(sink, pod, c, previous: false, options, cancellationToken).ConfigureAwait(false);
            await AddLogAsync(sink, pod, c, previous: true, options, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AddLogAsync(IEvidenceSink sink, PodMembership pod, PodContainer container, bool previous, CollectionOptions options, CancellationToken cancellationToken)
    {
        string name = $"{container.Kind}/{EntryNames.Segment(container.Name)}{(previous ? ".previous" : "")}.log";
        string query = KubernetesApi.Query(
            ("container", container.Name),
            ("timestamps", "true"),
            ("previous", previous ? "true" : null),
            ("limitBytes", options.MaxFileSize is { } max ? KubernetesApi.Number(max + 1) : null),
            ("sinceTime", options.LogsSince?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        string path = ApiPaths.Pod(pod.Namespace, pod.Name) + "/log" + query;
        if (previous && !container.HasPrevious)
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = name,
                Status = EntryStatus.Absent,
                Reason = $"the pod's status shows no previous instance of {container.Kind} container {container.Name} (restartCount 0, no last terminated state)",
                Source = new EvidenceSource { Description = api.Describe("GET", path) },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        Stream stream;
        try
        {
            stream = await api.Api.OpenStreamAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiCallException ex) when (ex.StatusCode == System.Net.HttpStatusCode.BadRequest && previous)
        {
            // The status said there was a previous instance, but the kubelet no longer has its log.
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = name,
                Status = EntryStatus.Missing,
                Reason = $"the previous instance's log is gone: {ex.Message}",
                Source = new EvidenceSource { Description = api.Describe("GET", path) },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
        {
            await sink.AddAsync(api.Failure(EvidenceSection.Logs, name, "GET", path, ex, "the API server has no such pod or container any more (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Logs,
            Name = name,
            // A stream that breaks or stops keeps what arrived and is partial; one cut at the cap is truncated.
            Content = options.MaxFileSize is { } cap ? EvidenceContent.FromStream(stream, cap) : EvidenceContent.FromStream(stream),
            Source = new EvidenceSource { Description = api.Describe("GET", path) + $" ({container.Kind} container {container.Name}, restartCount {container.RestartCount})" },
        }, cancellationToken).ConfigureAwait(false);
    }
}
