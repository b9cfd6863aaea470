using System.Text.RegularExpressions;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// The long options (<c>--name</c>) that <c>cfir ... --help</c> prints, and the ones
/// docs/usage.md documents, each attributed to the command it belongs to, so a test can hold
/// the two to each other.
/// </summary>
internal static partial class OptionTokens
{
    public static readonly string[] Commands = ["collect", "watch", "list", "verify", "report", "timeline"];

    /// <summary>The long options in the "Options:" section of a System.CommandLine help text (the signature column only).</summary>
    public static SortedSet<string> FromHelp(string help)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        bool inOptions = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                inOptions = line.TrimEnd() == "Options:";
                continue;
            }
            var signature = HelpSignature().Match(line);
            if (inOptions && signature.Success)
            {
                foreach (Match m in LongOption().Matches(signature.Groups["sig"].Value))
                {
                    result.Add(m.Value);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The long options a usage document gives each command (key "" = options given to cfir
    /// itself, as in <c>cfir --version</c>).
    /// <list type="bullet">
    /// <item>In code (fenced blocks and `spans`) only what follows a <c>cfir</c> in the same
    ///   shell command counts, and the word after cfir names the command: <c>tar --xattrs</c> or
    ///   <c>sha256sum -c --strict</c> in an example are other tools' options.</item>
    /// <item>Elsewhere (prose, tables, spans that start with an option) an option belongs to the
    ///   commands its section's heading names; a heading that names none inherits its parent's.
    ///   Sections under no command (exit codes, extracting with tar) are about other things and
    ///   are not read.</item>
    /// </list>
    /// </summary>
    public static Dictionary<string, SortedSet<string>> FromUsageDoc(string markdown)
    {
        var result = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        void Add(IEnumerable<string> commands, string option)
        {
            foreach (var c in commands)
            {
                if (!result.TryGetValue(c, out var set))
                {
                    result[c] = set = new SortedSet<string>(StringComparer.Ordinal);
                }
                set.Add(option);
            }
        }

        var headings = new Stack<(int Level, string[] Commands)>();
        string[] section = [];
        bool fenced = false;
        foreach (var raw in markdown.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }
            if (fenced)
            {
                foreach (var (command, option) in FromShell(line))
                {
                    Add([command], option);
                }
                continue;
            }
            if (Heading().Match(line) is { Success: true } heading)
            {
                int level = heading.Groups["hashes"].Length;
                while (headings.Count > 0 && headings.Peek().Level >= level)
                {
                    headings.Pop();
                }
                var named = Commands.Where(c => Regex.IsMatch(line, $@"\b{c}\b")).ToArray();
                section = named.Length > 0 ? named : headings.Count > 0 ? headings.Peek().Commands : [];
                headings.Push((level, section));
            }
            // Code spans first, then the prose around them.
            string prose = CodeSpan().Replace(line, span =>
            {
                string code = span.Groups["code"].Value.Trim();
                var shell = FromShell(code).ToList();
                foreach (var (command, option) in shell)
                {
                    Add([command], option);
                }
                if (shell.Count == 0 && code.StartsWith('-'))
                {
                    foreach (Match m in LongOption().Matches(code))
                    {
                        Add(section, m.Value);
                    }
                }
                return " ";
            });
            foreach (Match m in LongOption().Matches(prose))
            {
                Add(section, m.Value);
            }
        }
        return result;
    }

    /// <summary>(command, option) for every option given to cfir in a line of shell; "" for options before any command.</summary>
    private static IEnumerable<(string Command, string Option)> FromShell(string line)
    {
        foreach (var segment in ShellSeparator().Split(line))
        {
            var words = segment.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            int cfir = Array.FindIndex(words, w => w == "cfir" || w.EndsWith("/cfir", StringComparison.Ordinal));
            if (cfir < 0)
            {
                continue;
            }
            string command = "";
            foreach (var word in words.Skip(cfir + 1))
            {
                if (command.Length == 0 && Commands.Contains(word))
                {
                    command = word;
                    continue;
                }
                var m = LongOption().Match(word);
                if (m.Success && m.Index == 0)
                {
                    yield return (command, m.Value);
                }
            }
        }
    }

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")]
    private static partial Regex LongOption();

    [GeneratedRegex(@"^\s{2}(?<sig>-\S.*?)(?:\s{2,}|$)")]
    private static partial Regex HelpSignature();

    [GeneratedRegex(@"^(?<hashes>#{1,6})\s")]
    private static partial Regex Heading();

    [GeneratedRegex(@"`(?<code>[^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\|\||&&|[|;]|\$\(")]
    private static partial Regex ShellSeparator();
}
