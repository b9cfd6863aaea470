using System.Text;

namespace ContainerForensics.Sealing.Age;

/// <summary>One recipient stanza of an age header: "-> TYPE ARGS..." and a base64 body wrapped at 64 columns.</summary>
public sealed record AgeStanza(string Type, IReadOnlyList<string> Args, byte[] Body)
{
    internal const int ColumnsPerLine = 64;
    internal const int BytesPerLine = ColumnsPerLine / 4 * 3;

    internal void WriteTo(StringBuilder header)
    {
        header.Append("->");
        foreach (string arg in Args.Prepend(Type))
        {
            header.Append(' ').Append(arg);
        }
        header.Append('\n');
        string body = AgeBase64.Encode(Body);
        for (int i = 0; i < body.Length; i += ColumnsPerLine)
        {
            header.Append(body, i, Math.Min(ColumnsPerLine, body.Length - i));
            if (i + ColumnsPerLine <= body.Length)
            {
                header.Append('\n');
            }
        }
        // The body always ends with a line shorter than 64 columns, empty when it fills its lines.
        header.Append('\n');
    }
}
