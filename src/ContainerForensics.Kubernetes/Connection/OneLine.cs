using System.Text;
using YamlDotNet.Core;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// A kubeconfig problem is told in one line (<see cref="Core.CfirException"/>): the library's and
/// YamlDotNet's messages can span lines (a whole exception with its stack, in the library's exec
/// failures), and the kubeconfig's own text (names, commands) may hold anything its author wrote.
/// </summary>
internal static class OneLine
{
    /// <summary>Untrusted text made printable on one line: control characters as \n, \t, \xNN.</summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>
    /// What went wrong, from the innermost exception (the outer ones say "Exception during
    /// deserialization"), its first line only, with YamlDotNet's "(Line: 1, Col: 2, Idx: 3) -
    /// (Line: ...): " prefix replaced by "line L, column C: " from the deepest position known.
    /// </summary>
    public static string Of(Exception ex) => Of(ex, null);

    /// <summary>As <see cref="Of(Exception)"/>, with <paramref name="message"/> (when not null) said in place of the innermost exception's.</summary>
    public static string Of(Exception ex, string? message)
    {
        Mark? where = null;
        var inner = ex;
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is YamlException y && y.Start.Line > 0)
            {
                where = y.Start;
            }
            inner = e;
        }
        message ??= StripYamlPosition(FirstLine(inner.Message));
        if (message.Length == 0 || message == "Exception during deserialization")
        {
            message = inner.GetType().Name;
        }
        return where is { } m ? $"line {m.Line}, column {m.Column}: {Clean(message)}" : Clean(message);
    }

    private static string FirstLine(string text)
    {
        int nl = text.IndexOfAny(['\r', '\n']);
        return (nl < 0 ? text : text[..nl]).Trim();
    }

    /// <summary>YamlException.Message is "(start) - (end): message" when it carries a position.</summary>
    private static string StripYamlPosition(string message)
    {
        if (message.StartsWith("(Line: ", StringComparison.Ordinal))
        {
            int colon = message.IndexOf("): ", StringComparison.Ordinal);
            if (colon > 0)
            {
                return message[(colon + 3)..].Trim();
            }
        }
        return message;
    }
}
