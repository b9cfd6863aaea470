using System.Text;

namespace ContainerForensics.Bolt.Reading;

/// <summary>Keys and bucket paths as text for messages: printable ASCII as it is, anything else in hex.</summary>
internal static class KeyText
{
    private const int MaxShown = 64;

    public static string Of(ReadOnlySpan<byte> key)
    {
        bool printable = key.Length > 0;
        foreach (byte b in key)
        {
            printable &= b is >= 0x20 and < 0x7f;
        }
        if (printable)
        {
            return key.Length <= MaxShown ? Encoding.ASCII.GetString(key) : Encoding.ASCII.GetString(key[..MaxShown]) + "…";
        }
        return "0x" + Convert.ToHexStringLower(key.Length <= MaxShown ? key : key[..MaxShown]) + (key.Length > MaxShown ? "…" : "");
    }

    /// <summary>"/a/b" for messages, a name with a slash in quotes ("/v1/default/images/\"docker.io/x:1\""); "/" for the root.</summary>
    public static string Path(IReadOnlyList<byte[]> path) => path.Count == 0 ? "/" : string.Concat(path.Select(p => "/" + Name(p)));

    private static string Name(byte[] name)
    {
        string text = Of(name);
        return text.Contains('/', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal) ? $"\"{text}\"" : text;
    }

    /// <summary>An exact, unambiguous identity of a bucket's place (every name in full hex).</summary>
    public static string PathKey(IReadOnlyList<byte[]> path) => string.Join('/', path.Select(p => Convert.ToHexStringLower(p)));
}
