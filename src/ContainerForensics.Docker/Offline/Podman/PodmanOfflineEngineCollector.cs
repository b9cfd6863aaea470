using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// Engine-wide evidence of a Podman data root read from a disk image
/// (<c>runtimes/podman/metadata/</c>), in place of the live collection's API answers:
/// <list type="bullet">
/// <item><c>data-root/...</c>: the state files themselves, byte-exact, by their path under the
///   data root: libpod's database (<c>libpod/bolt_state.db</c>, <c>db.sql</c>, with a hot
///   <c>-journal</c> or a <c>-wal</c> beside it), c/storage's <c>&lt;driver&gt;-containers/containers.json</c>,
///   <c>&lt;driver&gt;-layers/layers.json</c> (and volatile-layers.json), <c>&lt;driver&gt;-images/images.json</c>;</item>
/// <item><c>libpod-database.json</c>: what cfir read from the database (its backend, the paths it
///   was made with, its pods and volumes with their documents, every container's id, name and
///   state) and everything it could not read;</item>
/// <item><c>remnants.json</c>: the folders no record owns (<see cref="PodmanRemnants"/>);</item>
/// <item><c>events.log</c>: libpod's file event log, in the tmp dir the database names (usually
///   /run/libpod: a tmpfs, so an image rarely has it);</item>
/// <item><c>engine-config/storage.conf</c>, <c>engine-config/containers.conf</c>: the engine's
///   configuration from the image (/etc/containers, or the user's ~/.config/containers).</item>
/// </list>
/// </summary>
internal sealed class PodmanOfflineEngineCollector(PodmanDataRoot root)
{
    public async Task CollectAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var limits = CaptureLimits.From(options);
        var files = new List<(string Path, string What)>();
        foreach (var db in root.DatabaseFiles)
        {
            files.Add((db, "libpod's database"));
            foreach (string suffix in (string[])["-journal", "-wal", "-shm"])
            {
                if (root.Image.Lstat(db + suffix, out _) is not null)
                {
                    files.Add((db + suffix, $"SQLite's {suffix[1..]} file beside libpod's database: changes it holds were not applied when the database was read (immutable)"));
                }
            }
        }
        files.Add((root.Paths.ContainersJson, "c/storage's containers"));
        files.Add((root.Paths.LayersJson, "c/storage's layers"));
        if (root.Image.Lstat(root.Paths.VolatileLayersJson, out _) is not null)
        {
            files.Add((root.Paths.VolatileLayersJson, "c/storage's volatile layers"));
        }
        files.Add((root.Paths.ImagesJson, "c/storage's images"));
        foreach (var (path, what) in files)
        {
            string name = "data-root/" + path[(root.Paths.DataRoot.Length + (root.Paths.DataRoot == "/" ? 0 : 1))..];
            await sink.AddAsync(ImageFiles.Capture(root.Image, EvidenceSection.Metadata, name, path, limits, what), cancellationToken).ConfigureAwait(false);
        }

        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "libpod-database.json", DatabaseJson(),
            $"cfir: what was read from libpod's database in {root.Image.Show(root.Paths.DataRoot)}"), cancellationToken).ConfigureAwait(false);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "remnants.json", root.Remnants.ToJson(root),
            $"cfir: folders of {root.Image.Show(root.Paths.DataRoot)} that no record owns"), cancellationToken).ConfigureAwait(false);

        string? tmpDir = root.Paths.Map(root.Libpod?.RuntimeConfig.GetValueOrDefault(LibpodState.TmpDir));
        if (tmpDir is not null)
        {
            var events = ImageFiles.Capture(root.Image, EvidenceSection.Metadata, "events.log", tmpDir + "/events/events.log", limits, "libpod's file event log (events_logger \"file\")");
            if (events.Status == EntryStatus.Absent)
            {
                events = events with { Reason = events.Reason + $" (the tmp dir {tmpDir} is usually a tmpfs, gone with the machine; a journald event logger writes to the journal instead)" };
            }
            await sink.AddAsync(events, cancellationToken).ConfigureAwait(false);
        }

        string configDir = ConfigDir();
        foreach (string file in (string[])["storage.conf", "containers.conf"])
        {
            await sink.AddAsync(ImageFiles.Capture(root.Image, EvidenceSection.Metadata, "engine-config/" + file, configDir + "/" + file, limits, "the engine's configuration"), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>/etc/containers; for a rootless data root (~/.local/share/containers/storage) the user's ~/.config/containers.</summary>
    private string ConfigDir()
    {
        const string Rootless = "/.local/share/containers/storage";
        return root.User is not null && root.Paths.DataRoot.EndsWith(Rootless, StringComparison.Ordinal)
            ? root.Paths.DataRoot[..^Rootless.Length] + "/.config/containers"
            : "/etc/containers";
    }

    private byte[] DatabaseJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", root.Paths.DataRoot);
            w.WriteString("graphDriver", root.Paths.Driver);
            w.WriteStartArray("databaseFiles");
            foreach (var f in root.DatabaseFiles)
            {
                w.WriteStringValue(f);
            }
            w.WriteEndArray();
            w.WriteString("choice", root.DatabaseChoice);
            if (root.Libpod is { } db)
            {
                w.WriteString("database", db.Path);
                w.WriteString("backend", db.Backend);
                WriteMap(w, "facts", db.Facts);
                WriteMap(w, "runtimeConfig", db.RuntimeConfig);
                w.WriteStartArray("containers");
                foreach (var c in root.Containers.Where(c => c.Libpod is not null))
                {
                    w.WriteStartObject();
                    w.WriteString("id", c.Id);
                    w.WriteString("name", c.Name);
                    w.WriteString("state", c.Facts?.LibpodState);
                    w.WriteString("pod", c.Facts?.PodId);
                    w.WriteBoolean("inContainersJson", c.Storage is not null);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("pods");
                foreach (var p in db.Pods)
                {
                    w.WriteStartObject();
                    w.WriteString("id", p.Id);
                    w.WriteString("name", p.Name);
                    w.WritePropertyName("config");
                    PodmanOfflineMetadataCollector.RawOrText(w, p.Config);
                    w.WritePropertyName("state");
                    PodmanOfflineMetadataCollector.RawOrText(w, p.State);
                    w.WriteStartArray("containers");
                    foreach (var m in p.Containers)
                    {
                        w.WriteStringValue(m);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("volumes");
                foreach (var v in db.Volumes)
                {
                    w.WriteStartObject();
                    w.WriteString("name", v.Name);
                    w.WritePropertyName("config");
                    PodmanOfflineMetadataCollector.RawOrText(w, v.Config);
                    w.WritePropertyName("state");
                    PodmanOfflineMetadataCollector.RawOrText(w, v.State);
                    w.WriteStartArray("containers");
                    foreach (var m in v.Containers)
                    {
                        w.WriteStringValue(m);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteStartArray("problems");
            foreach (var p in root.Problems.Concat(root.Libpod?.Problems ?? []))
            {
                w.WriteStringValue(p);
            }
            w.WriteEndArray();
            w.WriteStartArray("externalContainers");
            foreach (var c in root.Containers.Where(c => c.Kind == PodmanContainerKind.External))
            {
                w.WriteStringValue(c.Id);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteMap(Utf8JsonWriter w, string name, Dictionary<string, string> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteString(k, v);
        }
        w.WriteEndObject();
    }
}
