using System.Text;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// A fieldSelector query parameter as k8s.io/apimachinery/pkg/fields parses it: comma-separated
/// <c>field=value</c>, <c>field==value</c>, <c>field!=value</c> terms, all of which must hold, with
/// <c>\,</c> <c>\=</c> <c>\\</c> escapes in values. Only the fields the real server supports for
/// the resource may be used; any other is the real "field label not supported" 400
/// (https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/).
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string Path, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string Path, bool Equal, string Value)> terms) => _terms = terms;

    public bool Matches(StoredObject o) => _terms.TrueForAll(t => (o.FieldValue(t.Path) == t.Value) == t.Equal);

    /// <summary>The selector for <paramref name="resource"/>, or a FormatException whose message becomes the 400's.</summary>
    public static FieldSelector Parse(string? text, ApiResource resource)
    {
        var terms = new List<(string, bool, string)>();
        if (string.IsNullOrEmpty(text))
        {
            return new FieldSelector(terms);
        }
        foreach (string term in SplitUnescaped(text, ','))
        {
            (string field, bool equal, string raw) = SplitTerm(term)
                ?? throw new FormatException($"invalid selector: '{text}'; can't understand '{term}'");
            string path = resource.FieldPath(field) ?? throw new FormatException($"field label not supported: {field}");
            terms.Add((path, equal, Unescape(raw)));
        }
        return new FieldSelector(terms);
    }

    private static (string Field, bool Equal, string Value)? SplitTerm(string term)
    {
        // The operators are tried in this order, as fields.parseSelector does.
        foreach (var (op, equal) in new[] { ("!=", false), ("==", true), ("=", true) })
        {
            int at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return (term[..at], equal, term[(at + op.Length)..]);
            }
        }
        return null;
    }

    private static List<string> SplitUnescaped(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                current.Append(text, i, 2);
                i++;
            }
            else if (text[i] == separator)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(text[i]);
            }
        }
        parts.Add(current.ToString());
        return parts;
    }

    private static string Unescape(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length && value[i + 1] is '\\' or ',' or '=')
            {
                i++;
            }
            sb.Append(value[i]);
        }
        return sb.ToString();
    }
}
