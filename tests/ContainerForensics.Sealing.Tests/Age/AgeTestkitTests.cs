using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Sealing.Age;

namespace ContainerForensics.Sealing.Tests.Age;

/// <summary>
/// The C2SP age test vectors (testkit/, see its README): every vector with an X25519 identity, or
/// with no identity and no passphrase at all, is decrypted and must end as the vector says
/// (success, no match, HMAC failure, header failure, payload failure), with the plaintext released
/// before any failure hashing to the vector's payload hash. Vectors of what cfir does not take
/// (ASCII armor, passphrases alone, post-quantum identities) are counted and left out.
/// </summary>
public sealed class AgeTestkitTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "testkit");

    public static TheoryData<string> Runnable()
    {
        var data = new TheoryData<string>();
        foreach (var name in Vectors().Where(v => Applies(Read(v))).Order(StringComparer.Ordinal))
        {
            data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Runnable))]
    public void Vector_ends_as_the_testkit_expects(string name)
    {
        var vector = Read(name);
        var identities = vector.Identities.Select(i => X25519Identity.TryParse(i, out var id) ? (IAgeIdentity)id! : null).OfType<IAgeIdentity>().ToList();
        var released = new MemoryStream();
        string outcome;
        try
        {
            using var decrypt = AgeDecryptStream.Open(new MemoryStream(vector.File), identities);
            var buffer = new byte[7919]; // not a divisor of the chunk size
            int n;
            try
            {
                while ((n = decrypt.Read(buffer)) > 0)
                {
                    released.Write(buffer, 0, n);
                }
                outcome = "success";
            }
            catch (AgeException ex)
            {
                outcome = Outcome(ex.Failure);
            }
        }
        catch (AgeException ex)
        {
            outcome = Outcome(ex.Failure);
        }
        Assert.Equal(vector.Expect, outcome);
        if (vector.Payload is { } payload)
        {
            Assert.Equal(payload, Convert.ToHexStringLower(SHA256.HashData(released.ToArray())));
        }
    }

    /// <summary>The vectors are there and most of them run: a copy gone missing or a filter gone wrong would pass the theory silently.</summary>
    [Fact]
    public void Most_vectors_run()
    {
        var all = Vectors().ToList();
        int runnable = all.Count(v => Applies(Read(v)));
        Assert.True(all.Count >= 140, $"{all.Count} vectors in {Folder}");
        Assert.True(runnable >= 65, $"only {runnable} of {all.Count} vectors run");
    }

    private static string Outcome(AgeFailure failure) => failure switch
    {
        AgeFailure.NoMatch => "no match",
        AgeFailure.HeaderMac => "HMAC failure",
        AgeFailure.Payload => "payload failure",
        _ => "header failure",
    };

    private static bool Applies(Vector v) =>
        !v.Armored &&
        (v.Identities.Any(i => i.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal)) || (v.Identities.Count == 0 && !v.HasPassphrase));

    private static IEnumerable<string> Vectors() =>
        Directory.EnumerateFiles(Folder).Select(Path.GetFileName).Where(n => n is not null && n != "README.md")!;

    private static Vector Read(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, name));
        int blank = bytes.AsSpan().IndexOf("\n\n"u8);
        var header = Encoding.UTF8.GetString(bytes, 0, blank).Split('\n');
        byte[] file = bytes[(blank + 2)..];
        var values = header.Select(l => l.Split(": ", 2)).ToList();
        string? Get(string key) => values.FirstOrDefault(kv => kv[0] == key)?[1];
        if (Get("compressed") == "zlib")
        {
            using var z = new ZLibStream(new MemoryStream(file), CompressionMode.Decompress);
            var plain = new MemoryStream();
            z.CopyTo(plain);
            file = plain.ToArray();
        }
        return new Vector(
            Get("expect") ?? "",
            Get("payload"),
            values.Where(kv => kv[0] == "identity").Select(kv => kv[1]).ToList(),
            values.Any(kv => kv[0] == "passphrase"),
            Get("armored") == "yes",
            file);
    }

    private sealed record Vector(string Expect, string? Payload, List<string> Identities, bool HasPassphrase, bool Armored, byte[] File);
}
