using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence;

internal static class SealJson
{
    /// <summary>The seal ends with the sha256 of everything before this marker (the body closed with "\n}").</summary>
    public static readonly byte[] SelfHashMarker = System.Text.Encoding.ASCII.GetBytes($",\n  \"{SealFields.SealSha256}\": \"");

    /// <summary>
    /// Appends the seal's own sha256 to it: nothing else covers the seal, and a changed bit in
    /// it must be found. The body is the indented JSON object; its final "\n}" is replaced by
    /// the marker, the hash and a new "\n}".
    /// </summary>
    public static byte[] WithSelfHash(byte[] body)
    {
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        return [.. body.AsSpan(0, body.Length - 2), .. SelfHashMarker, .. System.Text.Encoding.ASCII.GetBytes(hash), .. "\"\n}"u8];
    }

    /// <summary>Whether the seal's self-hash matches its body.</summary>
    public static bool SelfHashMatches(byte[] seal)
    {
        int at = seal.AsSpan().LastIndexOf(SelfHashMarker);
        if (at < 0 || seal.Length != at + SelfHashMarker.Length + 64 + 3)
        {
            return false;
        }
        byte[] body = [.. seal.AsSpan(0, at), .. "\n}"u8];
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        return System.Text.Encoding.ASCII.GetString(seal, at + SelfHashMarker.Length, 64) == expected;
    }

    // Relaxed escaping keeps "+" and non-ASCII readable; the seal is read by people as well as by verify.
    public static readonly JsonSerializerOptions Options = EvidenceJsonOptions.Serializer();
}
