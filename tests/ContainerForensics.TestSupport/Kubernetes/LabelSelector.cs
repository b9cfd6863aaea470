namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// A labelSelector query parameter, parsed and matched as k8s.io/apimachinery/pkg/labels does
/// (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors):
/// comma-separated requirements, all of which must hold: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>,
/// <c>k</c>, <c>!k</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k&gt;n</c>, <c>k&lt;n</c>.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements;

    private LabelSelector(List<Func<IReadOnlyDictionary<string, string>, bool>> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.TrueForAll(r => r(labels));

    /// <summary>The selector, or a FormatException whose message becomes the 400's.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var tokens = Tokenize(text);
        var requirements = new List<Func<IReadOnlyDictionary<string, string>, bool>>();
        int i = 0;
        while (i < tokens.Count)
        {
            requirements.Add(ParseRequirement(tokens, ref i));
            if (i < tokens.Count)
            {
                if (tokens[i] != ",")
                {
                    throw new FormatException($"unable to parse requirement: found '{tokens[i]}', expected: ',' or 'end of string'");
                }
                i++;
                if (i == tokens.Count)
                {
                    throw new FormatException("unable to parse requirement: found '', expected: identifier");
                }
            }
        }
        return new LabelSelector(requirements);
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(List<string> t, ref int i)
    {
        if (t[i] == "!")
        {
            string absent = Identifier(t, i + 1);
            i += 2;
            return l => !l.ContainsKey(absent);
        }
        string key = Identifier(t, i);
        i++;
        if (i == t.Count || t[i] == ",")
        {
            return l => l.ContainsKey(key);
        }
        string op = t[i++];
        switch (op)
        {
            case "=" or "==":
            {
                string v = Value(t, ref i);
                return l => l.TryGetValue(key, out var x) && x == v;
            }
            case "!=":
            {
                string v = Value(t, ref i);
                return l => !l.TryGetValue(key, out var x) || x != v;
            }
            case "in" or "notin":
            {
                var set = ValueSet(t, ref i);
                return op == "in" ? l => l.TryGetValue(key, out var x) && set.Contains(x) : l => !l.TryGetValue(key, out var x) || !set.Contains(x);
            }
            case ">" or "<":
            {
                string v = Value(t, ref i);
                if (!long.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out long bound))
                {
                    throw new FormatException($"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: {v}");
                }
                return l => l.TryGetValue(key, out var x) && long.TryParse(x, System.Globalization.CultureInfo.InvariantCulture, out long n)
                    && (op == ">" ? n > bound : n < bound);
            }
            default:
                throw new FormatException($"unable to parse requirement: found '{op}', expected: in, notin, =, ==, !=, gt, lt");
        }
    }

    private static string Identifier(List<string> t, int i) =>
        i < t.Count && !IsSymbol(t[i]) ? t[i] : throw new FormatException($"unable to parse requirement: found '{(i < t.Count ? t[i] : "")}', expected: identifier");

    private static string Value(List<string> t, ref int i)
    {
        // "k=" selects an empty value.
        if (i == t.Count || t[i] == ",")
        {
            return "";
        }
        return Identifier(t, i++);
    }

    private static HashSet<string> ValueSet(List<string> t, ref int i)
    {
        if (i >= t.Count || t[i] != "(")
        {
            throw new FormatException($"unable to parse requirement: found '{(i < t.Count ? t[i] : "")}', expected: '('");
        }
        i++;
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (i < t.Count && t[i] != ")")
        {
            if (t[i] == ",")
            {
                i++;
                continue;
            }
            set.Add(Identifier(t, i++));
        }
        if (i == t.Count)
        {
            throw new FormatException("unable to parse requirement: found '', expected: ')'");
        }
        i++;
        return set;
    }

    private static bool IsSymbol(string token) => token is "," or "(" or ")" or "!" or "=" or "==" or "!=" or ">" or "<";

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is ',' or '(' or ')' or '>' or '<')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c is '=' or '!')
            {
                bool pair = i + 1 < text.Length && text[i + 1] == '=';
                tokens.Add(pair ? text.Substring(i, 2) : c.ToString());
                i += pair ? 2 : 1;
            }
            else
            {
                int start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (',' or '(' or ')' or '=' or '!' or '>' or '<'))
                {
                    i++;
                }
                tokens.Add(text[start..i]);
            }
        }
        return tokens;
    }
}
