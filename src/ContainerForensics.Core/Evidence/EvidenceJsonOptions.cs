using System.Text.Encodings.Web;
using System.Text.Json;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// How cfir writes the JSON it composes (records, manifests, decoded documents): UTF-8 kept as
/// it is and '+', '&lt;', '&amp;', '\'' unescaped, so a fingerprint such as "SHA256:ab+c…" or a
/// non-ASCII name reads — and greps — as it was. Quotes, backslashes and control characters are
/// still escaped, so the JSON stays valid whatever the name. Not for JSON placed inside HTML.
/// </summary>
public static class EvidenceJsonOptions
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A fresh serializer configuration (callers add their converters and naming).</summary>
    public static JsonSerializerOptions Serializer() => new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
