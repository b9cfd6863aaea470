using System.Globalization;
using System.Text;

namespace ContainerForensics.Report.Html;

/// <summary>
/// Text from the evidence made safe to show: names, command lines and logs are written by
/// whoever controlled the container. Control characters (C0, DEL, C1), bidirectional
/// overrides and other invisible format characters become visible <c>\xNN</c> / <c>\uNNNN</c>
/// escapes (a backslash doubles, so the escape is unambiguous), then the result is HTML-escaped.
/// </summary>
public static class Visible
{
    public static string Text(string? value)
    {
        if (value is null)
        {
            return "";
        }
        var sb = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            int v = rune.Value;
            if (v == '\\')
            {
                sb.Append("\\\\");
            }
            else if (v < 0x20 || v is >= 0x7f and < 0xa0)
            {
                sb.Append("\\x").Append(v.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                sb.Append("\\u").Append(v.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }
        return sb.ToString();
    }

    /// <summary><see cref="Text"/>, then HTML-escaped for an element's content or a quoted attribute.</summary>
    public static string Html(string? value)
    {
        var text = Text(value);
        var sb = new StringBuilder(text.Length + 16);
        foreach (char ch in text)
        {
            sb.Append(ch switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => ch.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>Markdown: <see cref="Text"/> in an inline code span wide enough for any backticks inside, pipes escaped for tables.</summary>
    public static string Markdown(string? value)
    {
        var text = Text(value).Replace("|", "\\|", StringComparison.Ordinal);
        if (text.Length == 0)
        {
            return "";
        }
        int run = 0, longest = 0;
        foreach (char ch in text)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var fence = new string('`', longest + 1);
        return $"{fence} {text} {fence}";
    }
}
