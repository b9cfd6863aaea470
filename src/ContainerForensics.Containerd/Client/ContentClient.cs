using ContainerForensics.Containerd.Api.Content;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.content.v1.Content: the content-addressed blob store (manifests, configs, layers).</summary>
internal sealed class ContentClient(ContainerdClient client)
{
    /// <summary>Every blob's info in the namespace; containerd streams them in several messages, gathered here.</summary>
    public async Task<ListContentResponse> ListAsync(string ns, CancellationToken cancellationToken)
    {
        var all = new ListContentResponse();
        await client.StreamAsync(ContainerdMethods.ListContent, new ListContentRequest(), ns, part =>
        {
            all.Info.AddRange(part.Info);
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return all;
    }

    /// <summary>
    /// A whole blob, chunk by chunk as containerd streams it; each chunk is handed over with
    /// the offset containerd says it starts at.
    /// </summary>
    public Task ReadAsync(string ns, string digest, Func<ReadContentResponse, ValueTask> onChunk, CancellationToken cancellationToken) =>
        client.StreamAsync(ContainerdMethods.ReadContent, new ReadContentRequest { Digest = digest }, ns, onChunk, cancellationToken);
}
