using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>Small helpers every Docker collector shares: raw JSON as evidence, and "not found" as a vanished container.</summary>
internal static class DockerEvidence
{
    /// <summary>A daemon answer, byte-exact, stamped with when it arrived and with the call that produced it.</summary>
    public static ValueTask<EntryResult> AddJsonAsync(IEvidenceSink sink, EvidenceSection section, string name, DockerJson json, CancellationToken cancellationToken) =>
        sink.AddAsync(EvidenceItem.Json(section, name, json.Bytes, json.Call) with { CollectedAt = json.ReceivedAt }, cancellationToken);

    /// <summary>A daemon answer streamed into the archive as it comes (events, a layer diff, logs), never held whole; a cut stream is partial.</summary>
    public static ValueTask<EntryResult> AddStreamAsync(IEvidenceSink sink, EvidenceSection section, string name, Stream body, string description, CancellationToken cancellationToken) =>
        sink.AddAsync(new EvidenceItem
        {
            Section = section,
            Name = name,
            Content = EvidenceContent.FromStream(body),
            Source = new EvidenceSource { Description = description },
        }, cancellationToken);

    /// <summary>Runs a call about one container; a 404 means the container vanished, which the runner records.</summary>
    public static async Task<T> AboutContainerAsync<T>(ContainerInfo container, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (DockerNotFoundException ex)
        {
            throw new ContainerGoneException(container.Id, $"{container.Runtime} container {container.Id} no longer exists: {ex.Message}", ex);
        }
    }
}
