using System.Text;
using System.Text.RegularExpressions;

namespace ContainerForensics.Report.Findings;

/// <summary>
/// A rule's path or name glob: <c>**</c> any characters, <c>*</c> any but '/', the rest literal,
/// matched against the whole text. The literal text before the first '*' is compared first: the
/// triage pass asks every glob about every file of a layer, and almost all of them differ there.
/// </summary>
internal sealed class Glob
{
    private readonly string _prefix;
    private readonly Regex _regex;

    private Glob(string prefix, Regex regex)
    {
        _prefix = prefix;
        _regex = regex;
    }

    public static Glob Compile(string glob)
    {
        var pattern = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else if (glob[i] == '*')
            {
                pattern.Append("[^/]*");
            }
            else
            {
                pattern.Append(Regex.Escape(glob[i].ToString()));
            }
        }
        int star = glob.IndexOf('*');
        return new Glob(star < 0 ? glob : glob[..star], new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant));
    }

    public bool IsMatch(string text) => text.StartsWith(_prefix, StringComparison.Ordinal) && _regex.IsMatch(text);
}
