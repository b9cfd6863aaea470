using System.Globalization;
using ContainerForensics.Sealing.Ssh;

namespace ContainerForensics.Sealing.SshSig;

/// <summary>
/// An allowed-signers file (ssh-keygen(1), "ALLOWED SIGNERS"): per line, principals (a
/// comma-separated pattern list), optional options (<c>namespaces="..."</c>, <c>valid-after=</c>,
/// <c>valid-before=</c>, <c>cert-authority</c>), the key type and its base64. cfir answers who
/// the key of a signature belongs to: the principals of every line that lists that key and
/// allows the namespace at the time given.
/// </summary>
public sealed class AllowedSigners
{
    private readonly List<Line> _lines;

    private AllowedSigners(List<Line> lines, string source)
    {
        _lines = lines;
        Source = source;
    }

    public string Source { get; }

    public int Count => _lines.Count;

    public static AllowedSigners Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Reads the file; a malformed line is an error naming its number, as ssh-keygen refuses such a file.</summary>
    public static AllowedSigners Parse(string text, string source)
    {
        var lines = new List<Line>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r').Trim(' ', '\t');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            try
            {
                lines.Add(ParseLine(line));
            }
            catch (Exception ex) when (ex is SshFormatException or FormatException)
            {
                throw new SshFormatException($"{source}:{number}: {ex.Message}", ex);
            }
        }
        return new AllowedSigners(lines, source);
    }

    /// <summary>
    /// The principals that may sign with <paramref name="key"/> in <paramref name="namespace"/> at
    /// <paramref name="at"/>: from every line for that key (not a cert-authority line) whose
    /// options allow it. Empty when none does; <paramref name="why"/> then says what came closest.
    /// </summary>
    public IReadOnlyList<string> PrincipalsFor(SshPublicKey key, string @namespace, DateTimeOffset at, out string? why)
    {
        var found = new List<string>();
        why = null;
        foreach (var line in _lines.Where(l => l.Key.Equals(key)))
        {
            if (line.CertificateAuthority)
            {
                why = "the key is listed only as a certificate authority";
                continue;
            }
            if (line.Namespaces is { } patterns && !Patterns.MatchList(@namespace, patterns))
            {
                why = $"the key is listed for the namespaces \"{patterns}\", not \"{@namespace}\"";
                continue;
            }
            if (line.ValidAfter is { } after && at < after)
            {
                why = $"the key is valid only after {after:yyyy-MM-ddTHH:mm:ssZ}, the seal was made at {at:yyyy-MM-ddTHH:mm:ssZ}";
                continue;
            }
            if (line.ValidBefore is { } before && at > before)
            {
                why = $"the key was valid only until {before:yyyy-MM-ddTHH:mm:ssZ}, the seal was made at {at:yyyy-MM-ddTHH:mm:ssZ}";
                continue;
            }
            found.AddRange(line.Principals.Split(','));
        }
        if (found.Count == 0)
        {
            why ??= $"{key.Describe()} is not in {Source}";
        }
        return found.Distinct(StringComparer.Ordinal).ToList();
    }

    private static Line ParseLine(string line)
    {
        int at = 0;
        string principals = Token(line, ref at);
        SkipSpace(line, ref at);
        string rest = line[at..];
        SshPublicKey key;
        string? options = null;
        if (!LooksLikeKey(rest))
        {
            options = Token(line, ref at);
            SkipSpace(line, ref at);
            rest = line[at..];
        }
        key = SshPublicKey.ParseLine(rest);
        var parsed = new Line(principals, key);
        if (options is null)
        {
            return parsed;
        }
        foreach (string option in SplitOptions(options))
        {
            int eq = option.IndexOf('=', StringComparison.Ordinal);
            string name = (eq < 0 ? option : option[..eq]).ToLowerInvariant();
            string? value = eq < 0 ? null : Unquote(option[(eq + 1)..]);
            parsed = name switch
            {
                "cert-authority" when value is null => parsed with { CertificateAuthority = true },
                "namespaces" when value is not null => parsed with { Namespaces = value },
                "valid-after" when value is not null => parsed with { ValidAfter = Timestamp(value) },
                "valid-before" when value is not null => parsed with { ValidBefore = Timestamp(value) },
                _ => throw new SshFormatException($"unknown or malformed option \"{option}\""),
            };
        }
        return parsed;
    }

    private static bool LooksLikeKey(string rest)
    {
        int space = rest.IndexOfAny([' ', '\t']);
        string first = space < 0 ? rest : rest[..space];
        return first.StartsWith("ssh-", StringComparison.Ordinal) || first.StartsWith("ecdsa-", StringComparison.Ordinal) ||
               first.StartsWith("sk-", StringComparison.Ordinal);
    }

    /// <summary>One whitespace-delimited field; double quotes keep spaces inside it (strdelimw).</summary>
    private static string Token(string line, ref int at)
    {
        int start = at;
        bool quoted = false;
        while (at < line.Length && (quoted || (line[at] != ' ' && line[at] != '\t')))
        {
            if (line[at] == '"')
            {
                quoted = !quoted;
            }
            at++;
        }
        if (quoted)
        {
            throw new SshFormatException("an unterminated quote");
        }
        string token = line[start..at];
        return token.Length > 1 && token[0] == '"' && token[^1] == '"' && token.Count(c => c == '"') == 2 ? token[1..^1] : token;
    }

    private static void SkipSpace(string line, ref int at)
    {
        while (at < line.Length && (line[at] == ' ' || line[at] == '\t'))
        {
            at++;
        }
        if (at == line.Length)
        {
            throw new SshFormatException("no key on the line");
        }
    }

    private static IEnumerable<string> SplitOptions(string options)
    {
        int start = 0;
        bool quoted = false;
        for (int i = 0; i <= options.Length; i++)
        {
            if (i == options.Length || (options[i] == ',' && !quoted))
            {
                yield return options[start..i];
                start = i + 1;
            }
            else if (options[i] == '"')
            {
                quoted = !quoted;
            }
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;

    /// <summary>YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]; without Z the local time zone, as ssh-keygen reads it.</summary>
    private static DateTimeOffset Timestamp(string value)
    {
        bool utc = value.EndsWith('Z') || value.EndsWith('z');
        string digits = utc ? value[..^1] : value;
        string format = digits.Length switch
        {
            8 => "yyyyMMdd",
            12 => "yyyyMMddHHmm",
            14 => "yyyyMMddHHmmss",
            _ => throw new SshFormatException($"the time \"{value}\" is not YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]"),
        };
        if (!DateTime.TryParseExact(digits, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new SshFormatException($"the time \"{value}\" is not a date");
        }
        return utc ? new DateTimeOffset(time, TimeSpan.Zero) : new DateTimeOffset(time, TimeZoneInfo.Local.GetUtcOffset(time));
    }

    private sealed record Line(string Principals, SshPublicKey Key)
    {
        public bool CertificateAuthority { get; init; }

        public string? Namespaces { get; init; }

        public DateTimeOffset? ValidAfter { get; init; }

        public DateTimeOffset? ValidBefore { get; init; }
    }
}
