using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// <c>metadata/filesystem-source.json</c>: which source each part of the filesystem phase read
/// and why, so an examiner knows whether the evidence is the host's own bytes (overlay upper or
/// merged directory, volume directory, containerd snapshot) or the engine's tar rendering of
/// them (/export, /archive), and what was deliberately left out. Shared by the Docker/Podman and
/// containerd collectors, so the file has one shape. Written before the files, so it is in the
/// archive even when the container vanishes half-way.
/// </summary>
public sealed class FilesystemSourceRecord
{
    public const string Name = "filesystem-source.json";

    /// <summary>"changed", "full" or "none" (--filesystem none with --volumes).</summary>
    public required string Mode { get; init; }

    public required string Engine { get; init; }

    /// <summary>Docker/Podman: the storage driver (overlay2, ...).</summary>
    public string? GraphDriver { get; init; }

    /// <summary>containerd: the container's snapshotter (overlayfs, native, ...) and snapshot key.</summary>
    public string? Snapshotter { get; init; }

    public string? SnapshotKey { get; init; }

    /// <summary>containerd: the snapshot's mounts as Snapshots.Mounts answered ("overlay overlay lowerdir=...,upperdir=...").</summary>
    public List<string> SnapshotMounts { get; } = [];

    public string? Source { get; set; }

    public string? Path { get; set; }

    public string? Why { get; set; }

    /// <summary>
    /// A nested runtime's paths are its node's: the root they were resolved beneath
    /// (<c>/proc/&lt;daemon pid&gt;/root/.</c>, no symbolic link followed), so <see cref="Path"/>
    /// reads as the node names it. Null for a path of this host.
    /// </summary>
    public string? ReadBeneath { get; set; }

    public List<MountRecord> Volumes { get; } = [];

    /// <summary>What the chosen source leaves out by design, and where that is taken from instead (if anywhere).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Mounts whose content is not collected, with why (bind mounts, tmpfs, volumes without --volumes).</summary>
    public List<MountRecord> NotCollected { get; } = [];

    public sealed record MountRecord(string? Type, string? Name, string? Destination, string? HostPath, string? Source, string? Path, string Why);

    public EvidenceItem ToItem() => new()
    {
        Section = EvidenceSection.Metadata,
        Name = Name,
        Content = EvidenceContent.FromBytes(ToJson()),
        Source = new EvidenceSource { Description = "cfir: choice of filesystem source" },
    };

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("mode", Mode);
            w.WriteString("engine", Engine);
            WriteOptional(w, "graphDriver", GraphDriver);
            WriteOptional(w, "snapshotter", Snapshotter);
            WriteOptional(w, "snapshotKey", SnapshotKey);
            if (SnapshotMounts.Count > 0)
            {
                w.WriteStartArray("snapshotMounts");
                foreach (var m in SnapshotMounts)
                {
                    w.WriteStringValue(m);
                }
                w.WriteEndArray();
            }
            WriteOptional(w, "source", Source);
            WriteOptional(w, "path", Path);
            WriteOptional(w, "readBeneath", ReadBeneath);
            WriteOptional(w, "why", Why);
            if (Notes.Count > 0)
            {
                w.WriteStartArray("notes");
                foreach (var note in Notes)
                {
                    w.WriteStringValue(note);
                }
                w.WriteEndArray();
            }
            WriteMounts(w, "volumes", Volumes);
            WriteMounts(w, "notCollected", NotCollected);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteMounts(Utf8JsonWriter w, string name, List<MountRecord> mounts)
    {
        w.WriteStartArray(name);
        foreach (var m in mounts)
        {
            w.WriteStartObject();
            WriteOptional(w, "type", m.Type);
            WriteOptional(w, "name", m.Name);
            WriteOptional(w, "destination", m.Destination);
            WriteOptional(w, "hostPath", m.HostPath);
            WriteOptional(w, "source", m.Source);
            WriteOptional(w, "path", m.Path);
            w.WriteString("why", m.Why);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
