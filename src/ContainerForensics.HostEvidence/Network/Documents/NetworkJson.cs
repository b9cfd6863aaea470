using System.Net;
using System.Text.Json;
using ContainerForensics.HostEvidence.Network.Parsing;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Network.Documents;

/// <summary>What every decoded network document shares: the header, the sources, names with odd bytes, owners.</summary>
internal static class NetworkJson
{
    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, EvidenceJsonOptions.Indented))
        {
            body(w);
        }
        return buffer.ToArray();
    }

    /// <summary>"netnsInode", "pid", "sources": which namespace, read through which process, from which files.</summary>
    public static void WriteHeader(Utf8JsonWriter w, NetworkSnapshot snapshot, IEnumerable<SourceSummary> sources)
    {
        w.WriteNumber("netnsInode", snapshot.NetnsInode);
        w.WriteNumber("pid", snapshot.Pid);
        w.WriteStartArray("sources");
        foreach (var s in sources)
        {
            w.WriteStartObject();
            w.WriteString("file", s.File);
            w.WriteString("path", s.ProcPath);
            w.WriteString("status", s.Status);
            Optional(w, "reason", s.Reason);
            Optional(w, "readAt", s.ReadAt);
            if (s.Bytes is long bytes)
            {
                w.WriteNumber("bytes", bytes);
            }
            Optional(w, "sha256", s.Sha256);
            w.WriteBoolean("decoded", s.Decoded);
            if (s.DecodedPrefixOnly)
            {
                w.WriteBoolean("decodedPrefixOnly", true);
            }
            w.WriteNumber("lines", s.Lines);
            w.WriteNumber("entries", s.Entries);
            w.WriteStartArray("unparsed");
            foreach (var u in s.Unparsed)
            {
                w.WriteStartObject();
                w.WriteNumber("line", u.Line);
                w.WriteString("reason", u.Reason);
                Name(w, "text", u.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (s.UnparsedCount > s.Unparsed.Count)
            {
                w.WriteNumber("unparsedNotListed", s.UnparsedCount - s.Unparsed.Count);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>A name from the kernel: its display form, and its bytes as base64 ("…Base64") whenever the two differ.</summary>
    public static void Name(Utf8JsonWriter w, string property, RawName? name)
    {
        if (name is null)
        {
            w.WriteNull(property);
            return;
        }
        w.WriteString(property, name.Display);
        if (!name.IsPlain)
        {
            w.WriteString(property + "Base64", name.Base64);
        }
    }

    public static void Address(Utf8JsonWriter w, string property, IPAddress address) => w.WriteString(property, ProcAddress.Text(address));

    public static void Owners(Utf8JsonWriter w, IReadOnlyList<SocketOwner> owners)
    {
        w.WriteStartArray("owners");
        foreach (var o in owners)
        {
            w.WriteStartObject();
            w.WriteNumber("pid", o.Pid);
            w.WriteNumber("fd", o.Fd);
            Optional(w, "command", o.Command is null ? null : ValidUtf16(o.Command));
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>The string itself, or its escaped form if it holds a lone surrogate (which JSON cannot carry).</summary>
    public static string ValidUtf16(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return RawName.Escape(text);
            }
        }
        return text;
    }

    public static void Strings(Utf8JsonWriter w, string property, IEnumerable<string> values)
    {
        w.WriteStartArray(property);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    public static void Optional(Utf8JsonWriter w, string property, string? value)
    {
        if (value is null)
        {
            w.WriteNull(property);
        }
        else
        {
            w.WriteString(property, value);
        }
    }
}
