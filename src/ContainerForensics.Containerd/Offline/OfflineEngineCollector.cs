using System.Text;
using System.Text.Json;
using ContainerForensics.Bolt;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// Engine-wide evidence of a containerd data root in a disk image, under the engine's
/// <c>metadata/</c>:
/// <list type="bullet">
/// <item><c>data-root/io.containerd.metadata.v1.bolt/meta.db</c> and
/// <c>data-root/io.containerd.snapshotter.v1.&lt;name&gt;/metadata.db</c>: the databases byte-exact, the
/// primary evidence everything decoded below comes from;</item>
/// <item><c>meta-db/database.json</c>: the file (page size, transaction, meta page used, schema
/// version), its namespaces and their labels, other top-level buckets, and every problem met
/// reading it (each also an error record);</item>
/// <item><c>meta-db/namespaces/&lt;ns&gt;/{images,content,leases,snapshots}.json</c>: those buckets
/// decoded (<see cref="BoltJson.WriteDecoded"/>), and a containerd 2.x namespace's <c>sandboxes.json</c>;</item>
/// <item><c>namespaces/&lt;ns&gt;/blobs/&lt;alg&gt;/&lt;hex&gt;</c>: each image's index or manifest and config from
/// the content store's files, digest-checked: the same names and bytes as a live collection;</item>
/// <item><c>snapshotters/&lt;name&gt;/snapshots.json</c>: the snapshotter's metadata.db decoded.</item>
/// </list>
/// Layer blobs are not copied: they are the image, whose digests and sizes the manifests and
/// content.json list; the containers' own files are their writable layers.
/// </summary>
internal sealed class OfflineEngineCollector(OfflineContainerdRuntime runtime)
{
    public async Task CollectAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var image = runtime.Image;
        var root = runtime.DataRoot;
        var limits = CaptureLimits.From(options);
        await sink.AddAsync(OfflineItems.ImageFile(image, root.MetaDb, EvidenceSection.Metadata, $"data-root/{ContainerdDataRoot.MetadataPlugin}/meta.db", limits,
            "containerd's metadata database (bbolt) as it is in the image"), cancellationToken).ConfigureAwait(false);
        foreach (var (name, sdb) in runtime.Snapshotters)
        {
            await sink.AddAsync(OfflineItems.ImageFile(image, sdb.ImagePath, EvidenceSection.Metadata, $"data-root/io.containerd.snapshotter.v1.{name}/metadata.db", limits,
                $"the {name} snapshotter's database (bbolt) as it is in the image"), cancellationToken).ConfigureAwait(false);
        }

        var db = runtime.Db;
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "meta-db/database.json", DatabaseJson(db),
            $"decoded from {image.Show(root.MetaDb)}"), cancellationToken).ConfigureAwait(false);
        if (db is not null)
        {
            foreach (var (ns, bucket) in db.Namespaces())
            {
                if (runtime.OnlyNamespace is not null && ns != runtime.OnlyNamespace)
                {
                    continue;
                }
                string folder = ContainerdEngineCollector.NamespaceFolder(ns);
                foreach (string part in (string[])["images", "content", "leases", "snapshots"])
                {
                    if (bucket.Bucket(part) is { } b)
                    {
                        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, $"meta-db/{folder}{part}.json", Decoded(b),
                            $"bucket v1/{ns}/{part} of {image.Show(root.MetaDb)}, decoded"), cancellationToken).ConfigureAwait(false);
                    }
                }
                if (bucket.Bucket("images"u8) is { } images)
                {
                    await CollectImageBlobsAsync(ns, folder, images, sink, cancellationToken).ConfigureAwait(false);
                }
            }
            foreach (var (name, bucket) in db.OtherTopLevel())
            {
                if (bucket.Bucket("sandboxes"u8) is { } sandboxes && (runtime.OnlyNamespace is null || name == runtime.OnlyNamespace))
                {
                    await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, $"meta-db/{ContainerdEngineCollector.NamespaceFolder(name)}sandboxes.json", Decoded(sandboxes),
                        $"bucket {name}/sandboxes of {image.Show(root.MetaDb)} (containerd 2.x sandboxes), decoded"), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        foreach (var (name, sdb) in runtime.Snapshotters)
        {
            if (sdb.Database.Root.Bucket("v1"u8) is { } v1)
            {
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, $"snapshotters/{name}/snapshots.json", Decoded(v1),
                    $"bucket v1 of {image.Show(sdb.ImagePath)}, decoded: snapshots by key (id: the directory snapshots/<id>) and parent links"), cancellationToken).ConfigureAwait(false);
            }
        }
        RecordProblems(sink);
    }

    /// <summary>Everything that could not be read: each an error record of the engine, so none is missed by someone reading errors.jsonl.</summary>
    private void RecordProblems(IEvidenceSink sink)
    {
        var image = runtime.Image;
        if (runtime.DbProblem is { } dbProblem)
        {
            sink.RecordError($"containerd meta.db {image.Show(runtime.DataRoot.MetaDb)} not read: {dbProblem}; the snapshots, logs and folders found are collected as remnants", null, null, image.Show(runtime.DataRoot.MetaDb));
        }
        foreach (var p in runtime.SnapshotterProblems)
        {
            sink.RecordError(p);
        }
        if (runtime.Db is { } db)
        {
            RecordBolt(sink, db.Database, image.Show(runtime.DataRoot.MetaDb));
        }
        foreach (var (_, sdb) in runtime.Snapshotters)
        {
            RecordBolt(sink, sdb.Database, image.Show(sdb.ImagePath));
            if (sdb.Truncated)
            {
                sink.RecordError($"{image.Show(sdb.ImagePath)}: more than {SnapshotterDb.MaxSnapshots} snapshots; the rest were not read");
            }
        }
        foreach (var p in runtime.Inventory.Problems)
        {
            sink.RecordError($"containerd data root {image.Show(runtime.DataRoot.Root)}: {p}");
        }
    }

    private static void RecordBolt(IEvidenceSink sink, BoltDatabase db, string shown)
    {
        foreach (var p in db.Problems)
        {
            sink.RecordError($"{shown}: {Describe(p)}", null, null, shown);
        }
    }

    internal static string Describe(BoltProblem p) => p.PageId is { } page ? $"page {page}, {p.Where}: {p.Reason}" : $"{p.Where}: {p.Reason}";

    private byte[] DatabaseJson(MetaDb? db)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", runtime.DataRoot.Root);
            w.WriteString("path", runtime.Image.Show(runtime.DataRoot.MetaDb));
            if (db is null)
            {
                w.WriteString("notRead", runtime.DbProblem);
                w.WriteEndObject();
                w.Flush();
                return buffer.ToArray();
            }
            w.WriteNumber("fileLength", db.Database.FileLength);
            w.WriteNumber("pageSize", db.Database.PageSize);
            w.WriteNumber("txId", db.Database.TxId);
            w.WriteNumber("metaUsed", db.Database.MetaUsed);
            if (db.SchemaVersion is { } v)
            {
                w.WriteNumber("schemaVersion", v);
            }
            w.WriteStartArray("namespaces");
            foreach (var (ns, bucket) in db.Namespaces())
            {
                w.WriteStartObject();
                w.WriteString("name", ns);
                w.WriteStartObject("labels");
                if (bucket.Bucket("labels"u8) is { } labels)
                {
                    foreach (var l in labels.Entries())
                    {
                        if (l.Value is { } value)
                        {
                            BoltJson.WriteText(w, MetaDb.Text(l.Key), value);
                        }
                    }
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("otherTopLevelBuckets");
            foreach (var (name, _) in db.OtherTopLevel())
            {
                w.WriteStringValue(name);
            }
            w.WriteEndArray();
            w.WriteStartArray("problems");
            foreach (var p in db.Problems)
            {
                w.WriteStringValue(Describe(p));
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] Decoded(BoltBucket bucket)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            int budget = BoltJson.MaxEntries;
            BoltJson.WriteDecoded(w, bucket, ref budget);
        }
        return buffer.ToArray();
    }

    /// <summary>Each image's target, then (an index) its manifests or (a manifest) its config, once per namespace, from the content store's files.</summary>
    private async Task CollectImageBlobsAsync(string ns, string folder, BoltBucket images, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in images.Entries())
        {
            if (e.Bucket?.Bucket("target"u8) is not { } target)
            {
                continue;
            }
            string? digest = target.Get("digest"u8) is { } d ? MetaDb.Text(d) : null;
            string mediaType = target.Get("mediatype"u8) is { } m ? MetaDb.Text(m) : "";
            long? size = target.Get("size"u8) is { } s ? GoVarint.Signed(s) : null;
            if (digest is not null)
            {
                await BlobTreeAsync(ns, folder, mediaType, digest, size ?? -1, $"target of image {MetaDb.Text(e.Key)}", 0, seen, sink, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task BlobTreeAsync(string ns, string folder, string mediaType, string digest, long size, string role, int depth, HashSet<string> seen, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        if (!seen.Add(digest))
        {
            return;
        }
        byte[]? bytes = await BlobAsync(folder, mediaType, digest, size, role, sink, cancellationToken).ConfigureAwait(false);
        if (bytes is null || depth >= ContainerdEngineCollector.MaxDepth)
        {
            return;
        }
        foreach (var (childType, childDigest, childSize, childRole) in ContainerdEngineCollector.Children(mediaType, bytes, digest))
        {
            await BlobTreeAsync(ns, folder, childType, childDigest, childSize, childRole, depth + 1, seen, sink, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One blob file of the content store, kept whatever it holds; returned when its digest and size are the descriptor's.</summary>
    private async Task<byte[]?> BlobAsync(string folder, string mediaType, string digest, long size, string role, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string name = folder + ContainerdEngineCollector.BlobName(digest);
        string description = $"content store file of {digest}, {mediaType}, {role}";
        if (!Identifiers.IsDigest(digest))
        {
            await sink.AddAsync(OfflineItems.NotCollected(EvidenceSection.Metadata, name, EntryStatus.Skipped, $"'{digest}' is not a digest that names a file of the content store", description), cancellationToken).ConfigureAwait(false);
            return null;
        }
        if (size > ContainerdEngineCollector.MaxBlobSize)
        {
            await sink.AddAsync(OfflineItems.NotCollected(EvidenceSection.Metadata, name, EntryStatus.Skipped, $"the descriptor says {size} bytes, over the {ContainerdEngineCollector.MaxBlobSize} bytes read for a manifest or config", description), cancellationToken).ConfigureAwait(false);
            return null;
        }
        string path = runtime.DataRoot.ContentBlob(digest);
        byte[]? bytes = runtime.Image.ReadAll(path, (int)ContainerdEngineCollector.MaxBlobSize, out string? problem);
        if (bytes is null)
        {
            bool absent = runtime.Image.Lstat(path, out int errno) is null && errno == UnixError.ENOENT;
            await sink.AddAsync(OfflineItems.NotCollected(EvidenceSection.Metadata, name, absent ? EntryStatus.Missing : EntryStatus.Failed,
                absent ? $"not in the content store ({runtime.Image.Show(path)}); an index names every platform's manifest, containerd keeps the ones it pulled" : problem ?? "not read",
                description), cancellationToken).ConfigureAwait(false);
            return null;
        }
        string? mismatch = ContainerdEngineCollector.Verify(digest, size < 0 ? bytes.Length : size, bytes);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, name, bytes, $"{runtime.Image.Show(path)}: {description}") with
        {
            Status = mismatch is null ? EntryStatus.Collected : EntryStatus.Partial,
            Reason = mismatch,
            Source = new EvidenceSource { OriginalPath = Encoding.UTF8.GetBytes(runtime.Image.Show(path)), Description = $"{runtime.Image.Show(path)}: {description}" },
        }, cancellationToken).ConfigureAwait(false);
        return mismatch is null ? bytes : null;
    }
}
