using System.Globalization;
using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/fib_trie (net/ipv4/fib_trie.c fib_trie_seq_show), the one /proc file that holds
/// the IPv4 addresses of a namespace:
/// <code>
/// Local:
///   +-- 127.0.0.0/8 2 0 2
///      +-- 127.0.0.0/31 1 0 0
///         |-- 127.0.0.1
///            /32 host LOCAL
/// </code>
/// A line ending in ':' without indentation starts a table; "+--" lines are inner nodes; a
/// "|--" line is a leaf (an address) and the "/N scope TYPE [tos=N]" lines under it are its
/// routes. When the kernel merged the tables (no policy rules) both headers show the same
/// trie, so entries repeat: callers deduplicate.
/// </summary>
internal static class FibTrieParser
{
    public static ParsedTable<FibEntry> Parse(ReadOnlyMemory<byte> content, bool cut = false)
    {
        string? tableName = null;
        IPAddress? leaf = null;
        return ParsedTable<FibEntry>.Parse(content, cut, (line, table) =>
        {
            string text = line.Text;
            string trimmed = text.Trim(' ');
            if (trimmed.Length == 0)
            {
                return null;
            }
            if (text[0] != ' ' && text.EndsWith(':'))
            {
                tableName = text[..^1];
                leaf = null;
                return null;
            }
            if (trimmed.StartsWith("+-- ", StringComparison.Ordinal))
            {
                leaf = null;
                return InnerNode(trimmed[4..]) ? null : "an inner node is not \"+-- A.B.C.D/N ...\"";
            }
            if (trimmed.StartsWith("|-- ", StringComparison.Ordinal))
            {
                if (!ProcAddress.TryParseDottedQuad(trimmed.AsSpan(4), out var address))
                {
                    leaf = null;
                    return "a leaf is not \"|-- A.B.C.D\"";
                }
                leaf = address;
                return null;
            }
            if (trimmed.StartsWith('/'))
            {
                if (leaf is null)
                {
                    return "a route with no leaf address before it";
                }
                string[] f = trimmed[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length is < 3 or > 4 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > 32)
                {
                    return "a route is not \"/N scope TYPE [tos=N]\"";
                }
                int? tos = null;
                if (f.Length == 4)
                {
                    if (!f[3].StartsWith("tos=", StringComparison.Ordinal) ||
                        !int.TryParse(f[3].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int t))
                    {
                        return "a route has an unknown fourth column";
                    }
                    tos = t;
                }
                table.Entries.Add(new FibEntry
                {
                    Line = line.Number,
                    Table = tableName ?? "",
                    Prefix = leaf,
                    PrefixLength = length,
                    Scope = f[1],
                    Type = f[2],
                    Tos = tos,
                });
                return null;
            }
            return "not a table, node, leaf or route line";
        });
    }

    private static bool InnerNode(string rest)
    {
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        string prefix = space < 0 ? rest : rest[..space];
        int slash = prefix.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && ProcAddress.TryParseDottedQuad(prefix.AsSpan(0, slash), out _) &&
               int.TryParse(prefix.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 32;
    }
}
