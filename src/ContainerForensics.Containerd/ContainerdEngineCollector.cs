using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Evidence;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd;

/// <summary>
/// Engine-wide evidence of one containerd, namespace by namespace, under
/// <c>metadata/namespaces/&lt;ns&gt;/</c> of the engine's folder:
/// <list type="bullet">
/// <item><c>images.json</c> (Images.List): every image name and the descriptor it points at;</item>
/// <item><c>blobs/&lt;alg&gt;/&lt;hex&gt;</c>: each image's index or manifest and the config it
/// names, read from the content store (Content.Read, streamed), byte-exact, the digest checked
/// against the bytes (OCI image-spec descriptor.md: the digest is of the exact bytes);</item>
/// <item><c>content-index.json</c> (Content.List): every blob's digest, size, times and labels
/// (the garbage-collection references among them);</item>
/// <item><c>leases.json</c> (Leases.List): what holds content and snapshots back from garbage collection.</item>
/// </list>
/// Layer blobs are not copied: their content is the containers' filesystem, collected by
/// snapshot in the filesystem phase; their digests and sizes are in the manifests and the index.
/// Every call is inside its own failure boundary: a failure is a Failed item with the gRPC status.
/// </summary>
internal sealed class ContainerdEngineCollector(ContainerdClient client, ContainerdRuntime runtime)
{
    /// <summary>
    /// Manifests, indexes and configs are small JSON documents (registries refuse manifests over
    /// 4 MiB); a "manifest" far larger than that is not read into memory, and is recorded as skipped.
    /// </summary>
    public const long MaxBlobSize = 16 * 1024 * 1024;

    /// <summary>How deep an index may nest indexes before we stop following it (a loop cannot exist with digests, a deep chain can).</summary>
    internal const int MaxDepth = 4;

    internal static readonly HashSet<string> IndexTypes = new(StringComparer.Ordinal)
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    };

    internal static readonly HashSet<string> ManifestTypes = new(StringComparer.Ordinal)
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    };

    public async Task CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        await sink.AddAsync(EventsItem(), cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> namespaces;
        try
        {
            namespaces = await runtime.NamespacesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            sink.RecordError($"containerd {runtime.Descriptor.Endpoint}: cannot list namespaces for the engine-wide evidence", ex);
            return;
        }
        foreach (string ns in namespaces)
        {
            await CollectNamespaceAsync(ns, sink, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// containerd keeps no event history: Events.Subscribe delivers only what is published after
    /// the subscription starts (api/services/events/v1/events.proto), so nothing that happened
    /// before the run can be read. A subscription during the run would only record cfir's own
    /// reading, which changes nothing (watch mode subscribes: <see cref="ContainerdRuntime.WatchAsync"/>). Recorded as skipped, with that reason, so the examiner
    /// does not look for it.
    /// </summary>
    private EvidenceItem EventsItem() => new()
    {
        Section = EvidenceSection.Metadata,
        Name = "events.jsonl",
        Status = EntryStatus.Skipped,
        Reason = "containerd keeps no event history: Events.Subscribe delivers only events published after it starts, so past events cannot be read from the daemon (look in its log, e.g. journalctl -u containerd)",
        Source = new EvidenceSource { Description = runtime.Describe(ContainerdMethods.SubscribeEvents, null) },
    };

    private async Task CollectNamespaceAsync(string ns, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string folder = NamespaceFolder(ns);
        Api.Images.ListImagesResponse? images = null;
        await runtime.AddJsonAsync(sink, folder + "images.json", ContainerdMethods.ListImages, ns, async ct =>
        {
            images = await client.Images.ListAsync(ns, ct).ConfigureAwait(false);
            return ContainerdJson.Format(images);
        }, cancellationToken).ConfigureAwait(false);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images?.Images ?? [])
        {
            if (image.Target is { } target)
            {
                await CollectBlobTreeAsync(ns, folder, target.MediaType, target.Digest, target.Size, $"target of image {image.Name}", 0, seen, sink, cancellationToken).ConfigureAwait(false);
            }
        }

        await runtime.AddJsonAsync(sink, folder + "content-index.json", ContainerdMethods.ListContent, ns,
            async ct => ContainerdJson.Format(await client.Content.ListAsync(ns, ct).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        await runtime.AddJsonAsync(sink, folder + "leases.json", ContainerdMethods.ListLeases, ns,
            async ct => ContainerdJson.Format(await client.Leases.ListAsync(ns, ct).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blob, then (an index) its manifests or (a manifest) its config, each once per namespace.</summary>
    private async Task CollectBlobTreeAsync(string ns, string folder, string mediaType, string digest, long size, string role,
        int depth, HashSet<string> seen, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        if (!seen.Add(digest))
        {
            return;
        }
        byte[]? bytes = await CollectBlobAsync(ns, folder, mediaType, digest, size, role, sink, cancellationToken).ConfigureAwait(false);
        if (bytes is null || depth >= MaxDepth || !(IndexTypes.Contains(mediaType) || ManifestTypes.Contains(mediaType)))
        {
            return;
        }
        foreach (var (childType, childDigest, childSize, childRole) in Children(mediaType, bytes, digest))
        {
            await CollectBlobTreeAsync(ns, folder, childType, childDigest, childSize, childRole, depth + 1, seen, sink, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An index's manifests, a manifest's config (OCI image-spec image-index.md, manifest.md); nothing for a document we cannot parse.</summary>
    internal static List<(string MediaType, string Digest, long Size, string Role)> Children(string mediaType, byte[] json, string parent)
    {
        var children = new List<(string, string, long, string)>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (IndexTypes.Contains(mediaType) && root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in manifests.EnumerateArray())
                {
                    if (ReadDescriptor(m) is { } d)
                    {
                        children.Add((d.MediaType, d.Digest, d.Size, $"manifest listed in index {parent}"));
                    }
                }
            }
            else if (ManifestTypes.Contains(mediaType) && root.TryGetProperty("config", out var config) && ReadDescriptor(config) is { } c)
            {
                children.Add((c.MediaType, c.Digest, c.Size, $"config of manifest {parent}"));
            }
        }
        catch (JsonException)
        {
            // Kept byte-exact as evidence already; a document that is not JSON names no children.
        }
        return children;
    }

    private static (string MediaType, string Digest, long Size)? ReadDescriptor(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object
        && e.TryGetProperty("digest", out var digest) && digest.ValueKind == JsonValueKind.String
        && e.TryGetProperty("size", out var size) && size.TryGetInt64(out long n)
            ? (e.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString()! : "", digest.GetString()!, n)
            : null;

    /// <summary>
    /// One blob read from the content store into memory (it is small: <see cref="MaxBlobSize"/>),
    /// chunk offsets checked, then its digest and size checked against the descriptor's. A
    /// mismatch keeps the bytes as containerd gave them and marks the entry partial with both
    /// digests. Returns the bytes when they are what the descriptor names.
    /// </summary>
    private async Task<byte[]?> CollectBlobAsync(string ns, string folder, string mediaType, string digest, long size, string role,
        IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string description = $"{runtime.Describe(ContainerdMethods.ReadContent, ns)}: {digest}, {mediaType}, {role}";
        var item = new EvidenceItem
        {
            Section = EvidenceSection.Metadata,
            Name = folder + BlobName(digest),
            Source = new EvidenceSource { Description = description },
        };
        if (size > MaxBlobSize)
        {
            await sink.AddAsync(item with { Status = EntryStatus.Skipped, Reason = $"the descriptor says {size} bytes, over the {MaxBlobSize} bytes read for a manifest or config" }, cancellationToken).ConfigureAwait(false);
            return null;
        }

        using var buffer = new MemoryStream();
        string? broken = null;
        try
        {
            await client.Content.ReadAsync(ns, digest, chunk =>
            {
                if (chunk.Offset != buffer.Length)
                {
                    throw new InvalidDataException($"containerd sent a chunk at offset {chunk.Offset} after {buffer.Length} bytes");
                }
                if (buffer.Length + chunk.Data.Length > MaxBlobSize)
                {
                    throw new InvalidDataException($"the blob is longer than the {MaxBlobSize} bytes read for a manifest or config");
                }
                chunk.Data.WriteTo(buffer);
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // An index lists every platform's manifest; containerd fetches only the ones it runs.
            await sink.AddAsync(item with { Status = EntryStatus.Missing, Reason = $"not in the content store ({ex.Message}); an index names every platform's manifest, containerd keeps the ones it pulled" }, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException or InvalidDataException)
        {
            broken = ex.Message;
        }

        byte[] bytes = buffer.ToArray();
        if (broken is not null && bytes.Length == 0)
        {
            await sink.AddAsync(item with { Status = EntryStatus.Failed, Reason = broken }, cancellationToken).ConfigureAwait(false);
            return null;
        }
        string? mismatch = broken is null ? Verify(digest, size, bytes) : null;
        var status = broken is null && mismatch is null ? EntryStatus.Collected : EntryStatus.Partial;
        string? reason = broken is not null ? $"the read broke off after {bytes.Length} bytes: {broken}" : mismatch;
        await sink.AddAsync(item with { Content = EvidenceContent.FromBytes(bytes), Status = status, Reason = reason }, cancellationToken).ConfigureAwait(false);
        return status == EntryStatus.Collected ? bytes : null;
    }

    /// <summary>Null when the bytes are what the descriptor names; else what differs. Only sha256 and sha512 digests can be checked.</summary>
    internal static string? Verify(string digest, long size, byte[] bytes)
    {
        int colon = digest.IndexOf(':', StringComparison.Ordinal);
        string algorithm = colon < 0 ? "" : digest[..colon];
        byte[]? hash = algorithm switch
        {
            "sha256" => SHA256.HashData(bytes),
            "sha512" => SHA512.HashData(bytes),
            _ => null,
        };
        if (hash is null)
        {
            return $"digest {digest}: cannot verify the algorithm '{algorithm}'";
        }
        string actual = algorithm + ":" + Convert.ToHexStringLower(hash);
        var problems = new List<string>();
        if (!string.Equals(actual, digest, StringComparison.Ordinal))
        {
            problems.Add($"digest mismatch: the content store returned bytes whose digest is {actual}, the descriptor says {digest}");
        }
        if (size != bytes.Length)
        {
            problems.Add($"size mismatch: {bytes.Length} bytes read, the descriptor says {size}");
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>"blobs/sha256/&lt;hex&gt;", as an OCI image layout names blobs; a digest that is not "alg:hex" is escaped into one segment.</summary>
    internal static string BlobName(string digest)
    {
        int colon = digest.IndexOf(':', StringComparison.Ordinal);
        bool plain = colon > 0 && colon < digest.Length - 1
            && digest[..colon].All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            && digest[(colon + 1)..].All(char.IsAsciiHexDigitLower);
        return plain
            ? $"blobs/{digest[..colon]}/{digest[(colon + 1)..]}"
            : "blobs/" + ArchivePath.EscapeSegment(Encoding.UTF8.GetBytes(digest));
    }

    /// <summary>containerd validates namespace names (letters, digits, '.', '_', '-'), but they still come from the daemon: escaped.</summary>
    internal static string NamespaceFolder(string ns) => $"namespaces/{ArchivePath.EscapeSegment(Encoding.UTF8.GetBytes(ns))}/";
}
