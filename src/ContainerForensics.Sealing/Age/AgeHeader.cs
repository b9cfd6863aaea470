using System.Security.Cryptography;
using System.Text;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// The textual header of an age v1 file (C2SP age, "Header"): the version line, one or more
/// recipient stanzas, and "--- " with the base64 HMAC-SHA-256 of everything up to and including
/// "---" under HKDF-SHA-256(file key, salt empty, info "header").
/// </summary>
public sealed class AgeHeader
{
    internal const string VersionLine = "age-encryption.org/v1";
    private const string Prefix = "age-encryption.org/";

    /// <summary>No header cfir reads is larger: the biggest stanzas (post-quantum ones) are some 2 KiB.</summary>
    internal const int MaxSize = 1 << 20;

    private AgeHeader(IReadOnlyList<AgeStanza> stanzas, byte[] macInput, byte[] mac)
    {
        Stanzas = stanzas;
        MacInput = macInput;
        Mac = mac;
    }

    public IReadOnlyList<AgeStanza> Stanzas { get; }

    /// <summary>The header's bytes up to and including "---": what the MAC covers.</summary>
    internal byte[] MacInput { get; }

    internal byte[] Mac { get; }

    /// <summary>The whole header, MAC line included, for a file key: what an encrypted file starts with.</summary>
    internal static byte[] Write(IReadOnlyList<AgeStanza> stanzas, ReadOnlySpan<byte> fileKey)
    {
        var text = new StringBuilder(VersionLine).Append('\n');
        foreach (var stanza in stanzas)
        {
            stanza.WriteTo(text);
        }
        text.Append("---");
        byte[] macInput = Encoding.ASCII.GetBytes(text.ToString());
        byte[] mac = ComputeMac(fileKey, macInput);
        return [.. macInput, .. " "u8, .. Encoding.ASCII.GetBytes(AgeBase64.Encode(mac)), .. "\n"u8];
    }

    internal static byte[] ComputeMac(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> macInput)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, key, [], "header"u8);
        return HMACSHA256.HashData(key, macInput);
    }

    /// <summary>Whether the MAC matches under <paramref name="fileKey"/>, compared in constant time.</summary>
    internal bool MacMatches(ReadOnlySpan<byte> fileKey) =>
        CryptographicOperations.FixedTimeEquals(ComputeMac(fileKey, MacInput), Mac);

    /// <summary>
    /// Reads the header from <paramref name="input"/> strictly (format.go: canonical base64,
    /// valid argument characters, every line ended by LF, a stanza ended by a short line) and
    /// leaves the input at the first byte of the payload.
    /// </summary>
    internal static AgeHeader Read(LineInput input)
    {
        var raw = new MemoryStream();
        string intro = input.ReadLine(raw) ?? throw new AgeException(AgeFailure.Header, "the file is empty");
        if (intro != VersionLine)
        {
            throw intro.StartsWith(Prefix, StringComparison.Ordinal)
                ? new AgeException(AgeFailure.Header, $"the age format version \"{intro[Prefix.Length..]}\" is not supported (v1 is)")
                : new AgeException(AgeFailure.Header, "not an age file (it does not start with age-encryption.org/v1)");
        }
        var stanzas = new List<AgeStanza>();
        while (true)
        {
            long lineStart = raw.Length;
            string line = input.ReadLine(raw) ?? throw Cut();
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts[0] != "---" || parts.Length != 2)
                {
                    throw new AgeException(AgeFailure.Header, "malformed closing line of the header");
                }
                byte[] mac = AgeBase64.Decode(parts[1], "the header's MAC");
                if (mac.Length != 32)
                {
                    throw new AgeException(AgeFailure.Header, "the header's MAC is not 32 bytes");
                }
                if (stanzas.Count == 0)
                {
                    throw new AgeException(AgeFailure.Header, "the header has no recipient stanza");
                }
                byte[] macInput = raw.GetBuffer().AsSpan(0, (int)lineStart + 3).ToArray();
                return new AgeHeader(stanzas, macInput, mac);
            }
            stanzas.Add(ReadStanza(line, input, raw));
        }
    }

    private static AgeStanza ReadStanza(string opening, LineInput input, MemoryStream raw)
    {
        var parts = opening.Split(' ');
        if (parts[0] != "->" || parts.Length < 2)
        {
            throw new AgeException(AgeFailure.Header, "malformed stanza opening line");
        }
        foreach (string arg in parts.Skip(1))
        {
            if (arg.Length == 0 || arg.Any(c => c < 33 || c > 126))
            {
                throw new AgeException(AgeFailure.Header, "a stanza argument is empty or has a character outside printable ASCII");
            }
        }
        var body = new MemoryStream();
        while (true)
        {
            string line = input.ReadLine(raw) ?? throw Cut();
            if (!AgeBase64.TryDecode(line, out byte[] bytes))
            {
                throw new AgeException(AgeFailure.Header, line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("->", StringComparison.Ordinal)
                    ? "a stanza ended without a short line (a file of an age beta?)"
                    : "a stanza body line is not canonical unpadded base64");
            }
            if (bytes.Length > AgeStanza.BytesPerLine)
            {
                throw new AgeException(AgeFailure.Header, "a stanza body line is longer than 64 columns");
            }
            body.Write(bytes);
            if (bytes.Length < AgeStanza.BytesPerLine)
            {
                return new AgeStanza(parts[1], parts[2..], body.ToArray());
            }
        }
    }

    private static AgeException Cut() => new(AgeFailure.Header, "the header is cut short");
}
