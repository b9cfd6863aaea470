namespace ContainerForensics.Sealing.SshSig;

/// <summary>OpenSSH's pattern lists (ssh_config(5), PATTERNS): comma-separated, <c>*</c> and <c>?</c> wildcards, <c>!</c> negates.</summary>
internal static class Patterns
{
    /// <summary>match_pattern_list: true when some pattern matches and no negated one does.</summary>
    public static bool MatchList(string text, string list)
    {
        bool matched = false;
        foreach (string raw in list.Split(','))
        {
            bool negated = raw.StartsWith('!');
            string pattern = negated ? raw[1..] : raw;
            if (Match(text, pattern))
            {
                if (negated)
                {
                    return false;
                }
                matched = true;
            }
        }
        return matched;
    }

    public static bool Match(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        while (true)
        {
            if (pattern.IsEmpty)
            {
                return text.IsEmpty;
            }
            if (pattern[0] == '*')
            {
                var rest = pattern[1..];
                for (int i = 0; i <= text.Length; i++)
                {
                    if (Match(text[i..], rest))
                    {
                        return true;
                    }
                }
                return false;
            }
            if (text.IsEmpty || (pattern[0] != '?' && pattern[0] != text[0]))
            {
                return false;
            }
            text = text[1..];
            pattern = pattern[1..];
        }
    }
}
