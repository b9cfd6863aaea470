using ContainerForensics.Containerd.Api.Content;
using Grpc.Core;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.content.v1.Content: the content-addressed blob store (manifests, configs, layers).</summary>
internal sealed class ContentClient(Content.ContentClient stub)
{
    /// <summary>Every blob's info in the namespace; containerd streams them in several messages, gathered here.</summary>
    public async Task<ListContentResponse> ListAsync(string ns, CancellationToken cancellationToken)
    {
        var all = new ListContentResponse();
        using var call = stub.List(new ListContentRequest(), ContainerdClient.In(ns), cancellationToken: cancellationToken);
        await foreach (var part in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            all.Info.AddRange(part.Info);
        }
        return all;
    }

    /// <summary>
    /// A whole blob, chunk by chunk as containerd streams it; each chunk is handed over with
    /// the offset containerd says it starts at. Chunks handed over before a failure stay handed
    /// over: the caller decides what a read that broke off is worth.
    /// </summary>
    public async Task ReadAsync(string ns, string digest, Func<ReadContentResponse, ValueTask> onChunk, CancellationToken cancellationToken)
    {
        using var call = stub.Read(new ReadContentRequest { Digest = digest }, ContainerdClient.In(ns), cancellationToken: cancellationToken);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await onChunk(chunk).ConfigureAwait(false);
        }
    }
}
