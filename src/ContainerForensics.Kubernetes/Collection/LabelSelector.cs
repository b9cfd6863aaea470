using System.Text.Json;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// A metav1.LabelSelector (matchLabels and matchExpressions) evaluated against a pod's labels, as
/// the API server evaluates it (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements,
/// apimachinery's <c>LabelSelectorAsSelector</c>): every requirement must hold; an empty selector
/// selects every pod. Used to decide which NetworkPolicies select a pod.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<(string Key, string Value)> _labels = [];
    private readonly List<(string Key, string Operator, HashSet<string> Values)> _expressions = [];

    private LabelSelector()
    {
    }

    /// <summary>The selector, or null when cfir cannot evaluate it (not an object, an operator it does not know): the caller keeps what it selects as "not evaluated".</summary>
    public static LabelSelector? Parse(JsonElement selector)
    {
        if (selector.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var result = new LabelSelector();
        if (selector.TryGetProperty("matchLabels", out var labels) && labels.ValueKind != JsonValueKind.Null)
        {
            if (labels.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            foreach (var p in labels.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    return null;
                }
                result._labels.Add((p.Name, p.Value.GetString()!));
            }
        }
        if (selector.TryGetProperty("matchExpressions", out var expressions) && expressions.ValueKind != JsonValueKind.Null)
        {
            if (expressions.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            foreach (var e in expressions.EnumerateArray())
            {
                string? op = PodListing.Text(e, "operator");
                if (PodListing.Text(e, "key") is not { } key || op is not ("In" or "NotIn" or "Exists" or "DoesNotExist"))
                {
                    return null;
                }
                var values = new HashSet<string>(StringComparer.Ordinal);
                if (e.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array)
                {
                    foreach (var v in vs.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String))
                    {
                        values.Add(v.GetString()!);
                    }
                }
                result._expressions.Add((key, op, values));
            }
        }
        return result;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        _labels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value)
        && _expressions.All(e => e.Operator switch
        {
            "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => labels.ContainsKey(e.Key),
            _ => !labels.ContainsKey(e.Key), // DoesNotExist
        });
}
