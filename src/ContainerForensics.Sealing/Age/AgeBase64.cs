namespace ContainerForensics.Sealing.Age;

/// <summary>
/// The base64 of age headers (C2SP age, "Conventions"): RFC 4648 standard alphabet without `=`
/// padding, canonical only. .NET's decoder takes padding, whitespace and non-zero trailing bits,
/// so each is refused here first.
/// </summary>
internal static class AgeBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] data)
    {
        data = [];
        if (text.Length % 4 == 1)
        {
            return false;
        }
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }
        string padded = text.ToString() + new string('=', (4 - text.Length % 4) % 4);
        try
        {
            data = Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return false;
        }
        // Canonical: unused trailing bits must be zero, so the text re-encodes to itself.
        return Encode(data).AsSpan().SequenceEqual(text);
    }

    public static byte[] Decode(ReadOnlySpan<char> text, string what) =>
        TryDecode(text, out var data) ? data : throw new AgeException(AgeFailure.Header, $"{what} is not canonical unpadded base64");
}
