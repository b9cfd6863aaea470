namespace ContainerForensics.Sealing.Age;

/// <summary>
/// Bech32 (BIP 173) as age uses it for keys: no length limit, all lowercase or all uppercase,
/// the checksum over the lowercase form. Recipients are <c>age1...</c>, identities
/// <c>AGE-SECRET-KEY-1...</c>.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        bool upper = hrp.Any(char.IsAsciiLetterUpper);
        string lowerHrp = hrp.ToLowerInvariant();
        var values = ConvertBits(data, 8, 5, pad: true);
        var checksum = Checksum(lowerHrp, values);
        var text = new System.Text.StringBuilder(lowerHrp).Append('1');
        foreach (byte v in values.Concat(checksum))
        {
            text.Append(Charset[v]);
        }
        return upper ? text.ToString().ToUpperInvariant() : text.ToString();
    }

    /// <summary>Decodes; false for a mixed-case string, a bad character or a bad checksum.</summary>
    public static bool TryDecode(string text, out string hrp, out byte[] data)
    {
        hrp = "";
        data = [];
        if (text.Any(char.IsAsciiLetterUpper) && text.Any(char.IsAsciiLetterLower))
        {
            return false;
        }
        string lower = text.ToLowerInvariant();
        int separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length)
        {
            return false;
        }
        if (lower.Any(c => c < 33 || c > 126))
        {
            return false;
        }
        hrp = lower[..separator];
        var values = new List<byte>();
        foreach (char c in lower[(separator + 1)..])
        {
            int v = Charset.IndexOf(c, StringComparison.Ordinal);
            if (v < 0)
            {
                return false;
            }
            values.Add((byte)v);
        }
        if (Polymod(Expand(hrp).Concat(values)) != 1)
        {
            return false;
        }
        var payload = values.Take(values.Count - 6).ToArray();
        try
        {
            data = ConvertBits(payload, 5, 8, pad: false);
        }
        catch (FormatException)
        {
            return false;
        }
        return true;
    }

    private static byte[] Checksum(string hrp, byte[] values)
    {
        uint mod = Polymod(Expand(hrp).Concat(values).Concat(new byte[6])) ^ 1;
        var checksum = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            checksum[i] = (byte)((mod >> (5 * (5 - i))) & 31);
        }
        return checksum;
    }

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint chk = 1;
        foreach (byte v in values)
        {
            uint top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (int i = 0; i < 5; i++)
            {
                if (((top >> i) & 1) != 0)
                {
                    chk ^= Generator[i];
                }
            }
        }
        return chk;
    }

    private static IEnumerable<byte> Expand(string hrp) =>
        hrp.Select(c => (byte)(c >> 5)).Append((byte)0).Concat(hrp.Select(c => (byte)(c & 31)));

    private static byte[] ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        int acc = 0, bits = 0;
        int max = (1 << to) - 1;
        var result = new List<byte>();
        foreach (byte value in data)
        {
            acc = (acc << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & max));
            }
        }
        if (pad)
        {
            if (bits > 0)
            {
                result.Add((byte)((acc << (to - bits)) & max));
            }
        }
        else if (bits >= from || ((acc << (to - bits)) & max) != 0)
        {
            throw new FormatException("non-zero padding in bech32 data");
        }
        return [.. result];
    }
}
