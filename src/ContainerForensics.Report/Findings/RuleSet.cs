using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ContainerForensics.Report.Findings;

/// <summary>
/// The rules, loaded from YAML and checked: ids unique, severities and ATT&amp;CK ids well
/// formed, conditions that belong to the rule's target, globs and patterns compiled once.
/// The built-in set is Findings/rules.yaml, embedded in the assembly.
/// </summary>
public sealed partial class RuleSet
{
    private RuleSet(IReadOnlyList<CompiledRule> rules) => Rules = rules;

    public IReadOnlyList<CompiledRule> Rules { get; }

    public static RuleSet BuiltIn()
    {
        using var stream = typeof(RuleSet).Assembly.GetManifestResourceStream("ContainerForensics.Report.Findings.rules.yaml")
            ?? throw new InvalidOperationException("the built-in rules (Findings/rules.yaml) are not embedded");
        using var text = new StreamReader(stream);
        return Parse(text.ReadToEnd(), "rules.yaml");
    }

    /// <summary>Parses a rules file; a defect throws <see cref="FormatException"/> naming the rule.</summary>
    public static RuleSet Parse(string yaml, string source)
    {
        RuleFile file;
        try
        {
            file = new DeserializerBuilder().Build().Deserialize<RuleFile>(yaml) ?? new RuleFile();
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}: {ex.Message}", ex);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rules = new List<CompiledRule>();
        foreach (var r in file.Rules)
        {
            string where = $"{source}: rule '{r.Id}'";
            if (string.IsNullOrWhiteSpace(r.Id) || !seen.Add(r.Id))
            {
                throw new FormatException($"{where}: an id is missing or used twice");
            }
            if (!Enum.TryParse<Severity>(r.Severity, ignoreCase: true, out var severity) || !Enum.IsDefined(severity) || r.Severity.Any(char.IsDigit))
            {
                throw new FormatException($"{where}: severity '{r.Severity}' is not info, low, medium, high or critical");
            }
            if (!AttackId().IsMatch(r.Attack))
            {
                throw new FormatException($"{where}: attack '{r.Attack}' is not a MITRE ATT&CK technique id (T1059 or T1059.004)");
            }
            if (string.IsNullOrWhiteSpace(r.Title))
            {
                throw new FormatException($"{where}: no title");
            }
            CheckTarget(r.Match, where);
            rules.Add(new CompiledRule(r, severity));
        }
        return new RuleSet(rules);
    }

    private static void CheckTarget(RuleMatch m, string where)
    {
        object?[] process = [m.ExeDeleted, m.ExeUnder, m.ExeInWritableLayer, m.Masquerade, m.MultiCall, m.Capabilities];
        object?[] socket = [m.ProcessNames, m.States];
        object?[] file = [m.Change, m.Executable, m.SetId, m.Paths, m.Names, m.Content];
        object?[] account = [m.Uid0, m.EmptyPassword, m.FullTree];
        object?[] container = [m.Privileged, m.MountsAny, m.HostNamespaces, m.SecurityOff, m.CapAdd, m.RunsAsRoot, m.SeccompAbsent];
        object?[] pod = [m.ClusterAdmin, m.HostPath, m.SecretsMounted];
        var byTarget = new Dictionary<string, object?[]>(StringComparer.Ordinal)
        {
            ["process"] = process, ["socket"] = socket, ["file"] = file, ["account"] = account, ["container"] = container, ["pod"] = pod,
        };
        if (!byTarget.TryGetValue(m.Target, out var own))
        {
            throw new FormatException($"{where}: target '{m.Target}' is not process, socket, file, account, container or pod");
        }
        foreach (var (target, conditions) in byTarget)
        {
            if (target != m.Target && conditions.Any(c => c is not null))
            {
                throw new FormatException($"{where}: a condition of target '{target}' in a rule of target '{m.Target}'");
            }
        }
        if (!own.Any(c => c is not null))
        {
            throw new FormatException($"{where}: no condition for target '{m.Target}' (it would match everything)");
        }
    }

    [GeneratedRegex(@"^T\d{4}(\.\d{3})?$")]
    private static partial Regex AttackId();
}

/// <summary>A checked rule with its globs and pattern compiled.</summary>
public sealed class CompiledRule
{
    internal CompiledRule(Rule rule, Severity severity)
    {
        Rule = rule;
        Severity = severity;
        Paths = rule.Match.Paths?.Select(Glob.Compile).ToList();
        Names = rule.Match.Names?.Select(Glob.Compile).ToList();
        Content = rule.Match.Content is { } c ? new Regex(c, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) : null;
        AcceptsPresent = rule.Match.Change?.Contains("present", StringComparer.Ordinal) ?? false;
    }

    /// <summary>A file rule whose <c>change</c> lists <c>present</c>: it reads full trees (docs/usage.md says which do and why).</summary>
    internal bool AcceptsPresent { get; }

    public Rule Rule { get; }
    public Severity Severity { get; }
    internal List<Glob>? Paths { get; }
    internal List<Glob>? Names { get; }
    internal Regex? Content { get; }

    /// <summary>Whether a file at this in-container path passes the rule's path and name globs.</summary>
    internal bool PathMatches(string containerPath)
    {
        if (Paths is not null && !Paths.Exists(g => g.IsMatch(containerPath)))
        {
            return false;
        }
        if (Names is null)
        {
            return true;
        }
        string name = containerPath[(containerPath.LastIndexOf('/') + 1)..];
        return Names.Exists(g => g.IsMatch(name));
    }
}
