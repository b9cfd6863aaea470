using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// <c>metadata/filesystem-source.json</c>: which source each part of the filesystem phase read
/// and why, so an examiner knows whether the evidence is the host's own bytes (overlay upper or
/// merged directory, volume directory) or the engine's tar rendering of them (/export,
/// /archive), and what was deliberately left out. Written before the files, so it is in the
/// archive even when the container vanishes half-way.
/// </summary>
internal sealed class FilesystemSourceRecord
{
    public const string Name = "filesystem-source.json";

    /// <summary>"changed", "full" or "none" (--filesystem none with --volumes).</summary>
    public required string Mode { get; init; }

    public required string Engine { get; init; }

    public string? GraphDriver { get; init; }

    public string? Source { get; set; }

    public string? Path { get; set; }

    public string? Why { get; set; }

    public List<MountRecord> Volumes { get; } = [];

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
            WriteOptional(w, "source", Source);
            WriteOptional(w, "path", Path);
            WriteOptional(w, "why", Why);
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
