using System.Text.Json;
using ContainerForensics.Core.Evidence;

using ContainerForensics.Evidence.Spooling;

namespace ContainerForensics.Evidence.Provenance;

/// <summary>
/// The provenance record in CASE/UCO JSON-LD (https://caseontology.org, ontology 1.x): one
/// investigative action (the collection) with its tool, performer, times and status, and one
/// File observable per archived content entry with its sha256. Streamed from the SHA256SUMS
/// spool, so it costs no memory per entry.
/// </summary>
internal static class CaseUcoWriter
{
    public sealed record Facts(string ToolName, string ToolVersion, UnixTime StartedAt, UnixTime EndedAt, bool Complete,
        IReadOnlyDictionary<string, string?> Provenance);

    public static void Write(Stream output, TempSpool sums, Facts facts)
    {
        string run = Guid.NewGuid().ToString();
        // Compact: a File node per content entry is some 1 KB indented and 60 % of that whitespace,
        // which is written, hashed, compressed and read back again with the rest.
        using var json = new Utf8JsonWriter(output, EvidenceJsonOptions.Compact);
        json.WriteStartObject();
        json.WriteStartObject("@context");
        json.WriteString("kb", $"urn:cfir:{run}:");
        json.WriteString("case-investigation", "https://ontology.caseontology.org/case/investigation/");
        json.WriteString("uco-action", "https://ontology.unifiedcyberontology.org/uco/action/");
        json.WriteString("uco-core", "https://ontology.unifiedcyberontology.org/uco/core/");
        json.WriteString("uco-identity", "https://ontology.unifiedcyberontology.org/uco/identity/");
        json.WriteString("uco-observable", "https://ontology.unifiedcyberontology.org/uco/observable/");
        json.WriteString("uco-tool", "https://ontology.unifiedcyberontology.org/uco/tool/");
        json.WriteString("uco-types", "https://ontology.unifiedcyberontology.org/uco/types/");
        json.WriteString("uco-vocabulary", "https://ontology.unifiedcyberontology.org/uco/vocabulary/");
        json.WriteString("xsd", "http://www.w3.org/2001/XMLSchema#");
        json.WriteEndObject();
        json.WriteStartArray("@graph");

        json.WriteStartObject();
        json.WriteString("@id", "kb:tool");
        json.WriteString("@type", "uco-tool:Tool");
        json.WriteString("uco-core:name", facts.ToolName);
        json.WriteString("uco-tool:version", facts.ToolVersion);
        json.WriteString("uco-tool:toolType", "forensic acquisition");
        json.WriteEndObject();

        string? examiner = facts.Provenance.GetValueOrDefault("examiner");
        if (!string.IsNullOrEmpty(examiner))
        {
            json.WriteStartObject();
            json.WriteString("@id", "kb:performer");
            json.WriteString("@type", "uco-identity:Identity");
            json.WriteString("uco-core:name", examiner);
            json.WriteEndObject();
        }

        string? caseName = facts.Provenance.GetValueOrDefault("case");
        if (!string.IsNullOrEmpty(caseName))
        {
            json.WriteStartObject();
            json.WriteString("@id", "kb:investigation");
            json.WriteString("@type", "case-investigation:Investigation");
            json.WriteString("uco-core:name", caseName);
            WriteIfSet(json, "uco-core:description", facts.Provenance.GetValueOrDefault("note"));
            json.WriteStartArray("uco-core:object");
            json.WriteStartObject();
            json.WriteString("@id", "kb:collection");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteStartObject();
        json.WriteString("@id", "kb:collection");
        json.WriteString("@type", "case-investigation:InvestigativeAction");
        json.WriteString("uco-core:name", "container evidence collection");
        WriteIfSet(json, "uco-core:description", facts.Provenance.GetValueOrDefault("commandLine"));
        WriteTime(json, "uco-action:startTime", facts.StartedAt);
        WriteTime(json, "uco-action:endTime", facts.EndedAt);
        json.WriteString("uco-action:actionStatus", facts.Complete ? "complete" : "partial");
        json.WriteStartObject("uco-action:instrument");
        json.WriteString("@id", "kb:tool");
        json.WriteEndObject();
        if (!string.IsNullOrEmpty(examiner))
        {
            json.WriteStartObject("uco-action:performer");
            json.WriteString("@id", "kb:performer");
            json.WriteEndObject();
        }
        WriteIfSet(json, "uco-action:environment", facts.Provenance.GetValueOrDefault("host"));
        json.WriteStartArray("uco-action:result");
        ForEachSum(sums, (_, _, i) =>
        {
            json.WriteStartObject();
            json.WriteString("@id", $"kb:file-{i}");
            json.WriteEndObject();
            FlushIfFull(json);
        });
        json.WriteEndArray();
        json.WriteEndObject();

        ForEachSum(sums, (sha256, path, i) =>
        {
            json.WriteStartObject();
            json.WriteString("@id", $"kb:file-{i}");
            json.WriteString("@type", "uco-observable:File");
            json.WriteStartArray("uco-core:hasFacet");
            json.WriteStartObject();
            json.WriteString("@type", "uco-observable:FileFacet");
            json.WriteString("uco-observable:filePath", path);
            json.WriteString("uco-observable:fileName", path[(path.LastIndexOf('/') + 1)..]);
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteString("@type", "uco-observable:ContentDataFacet");
            json.WriteStartArray("uco-observable:hash");
            json.WriteStartObject();
            json.WriteString("@type", "uco-types:Hash");
            json.WriteStartObject("uco-types:hashMethod");
            json.WriteString("@type", "uco-vocabulary:HashNameVocab");
            json.WriteString("@value", "SHA256");
            json.WriteEndObject();
            json.WriteStartObject("uco-types:hashValue");
            json.WriteString("@type", "xsd:hexBinary");
            json.WriteString("@value", sha256);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            FlushIfFull(json);
        });

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
    }

    /// <summary>
    /// A <see cref="Utf8JsonWriter"/> on a stream writes nothing until flushed: without this, a
    /// million files' graph (hundreds of MB) would sit in its buffer.
    /// </summary>
    private static void FlushIfFull(Utf8JsonWriter json)
    {
        if (json.BytesPending >= 64 * 1024)
        {
            json.Flush();
        }
    }

    private static void ForEachSum(TempSpool sums, Action<string, string, long> action)
    {
        using var reader = new StreamReader(sums.OpenRead());
        long i = 0;
        while (reader.ReadLine() is { } line)
        {
            int sep = line.IndexOf("  ", StringComparison.Ordinal);
            if (sep > 0)
            {
                action(line[..sep], line[(sep + 2)..], i++);
            }
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, UnixTime time)
    {
        json.WriteStartObject(name);
        json.WriteString("@type", "xsd:dateTime");
        json.WriteString("@value", time.ToIso8601());
        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }
}
