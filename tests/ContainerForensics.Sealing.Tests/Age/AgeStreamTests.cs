using ContainerForensics.Sealing.Age;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Sealing.Tests.Age;

/// <summary>The STREAM payload round-trips at every size, and every kind of damage is refused with its own message.</summary>
public sealed class AgeStreamTests
{
    private static readonly X25519Identity Analyst = AgeKit.NewIdentity();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65535)]
    [InlineData(65536)]      // exactly one chunk: it is the final one, full
    [InlineData(65537)]      // one byte past: a full chunk and a final chunk of one byte
    [InlineData(131072)]
    [InlineData(1_000_000)]
    public void Round_trips_at_the_chunk_edges(int size)
    {
        byte[] plain = Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), size);
        byte[] file = AgeKit.Encrypt(plain, [Analyst.Recipient]);
        int chunks = Math.Max(1, (size + 65535) / 65536);
        int header = file.AsSpan().IndexOf("\n--- "u8) + 5 + 43 + 1;
        Assert.Equal(header + 16 + size + 16 * chunks, file.Length);
        Assert.Equal(plain, AgeKit.Decrypt(file, Analyst));
    }

    [Fact]
    public void Any_size_and_any_write_pattern_round_trips()
    {
        var sizes = Gen.OneOf(Gen.Choose(0, 200_000), Gen.Elements(0, 65535, 65536, 65537, 131071, 131072, 131073));
        Prop.ForAll(sizes.ToArbitrary(), Gen.Choose(1, 150_000).ToArbitrary(), (size, writeSize) =>
        {
            byte[] plain = new byte[size];
            Random.Shared.NextBytes(plain);
            return AgeKit.Decrypt(AgeKit.Encrypt(plain, [Analyst.Recipient], writeSize), Analyst).AsSpan().SequenceEqual(plain);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_flipped_ciphertext_byte_is_refused_at_its_chunk()
    {
        byte[] plain = new byte[200_000];
        byte[] file = AgeKit.Encrypt(plain, [Analyst.Recipient]);
        file[^1000] ^= 0x01; // inside the fourth and last chunk
        var ex = Assert.Throws<AgeException>(() => AgeKit.Decrypt(file, Analyst));
        Assert.Equal(AgeFailure.Payload, ex.Failure);
        Assert.Contains("chunk 3 (plaintext bytes 196608 on)", ex.Message);
        Assert.Contains("fails authentication", ex.Message);
    }

    [Fact]
    public void A_cut_stream_is_refused_at_a_chunk_boundary_and_inside_a_chunk()
    {
        byte[] file = AgeKit.Encrypt(new byte[200_000], [Analyst.Recipient]);
        int payload = file.AsSpan().IndexOf("\n--- "u8) + 5 + 43 + 1 + 16;
        var atBoundary = Assert.Throws<AgeException>(() => AgeKit.Decrypt(file[..(payload + 2 * 65552)], Analyst));
        Assert.Contains("cut", atBoundary.Message);
        var inside = Assert.Throws<AgeException>(() => AgeKit.Decrypt(file[..^100], Analyst));
        Assert.Equal(AgeFailure.Payload, inside.Failure);
    }

    [Fact]
    public void Data_after_the_final_chunk_is_refused()
    {
        // After a full final chunk the extra byte is seen as such; after a short one it joins the chunk, which then fails.
        byte[] full = [.. AgeKit.Encrypt(new byte[65536], [Analyst.Recipient]), 0];
        Assert.Contains("follows the final chunk", Assert.Throws<AgeException>(() => AgeKit.Decrypt(full, Analyst)).Message);
        byte[] shortLast = [.. AgeKit.Encrypt(new byte[10], [Analyst.Recipient]), 0];
        Assert.Equal(AgeFailure.Payload, Assert.Throws<AgeException>(() => AgeKit.Decrypt(shortLast, Analyst)).Failure);
    }

    [Fact]
    public void A_wrong_identity_is_no_match_and_names_the_stanzas()
    {
        byte[] file = AgeKit.Encrypt(new byte[10], [Analyst.Recipient, AgeKit.NewIdentity().Recipient]);
        var ex = Assert.Throws<AgeException>(() => AgeKit.Decrypt(file, AgeKit.NewIdentity()));
        Assert.Equal(AgeFailure.NoMatch, ex.Failure);
        Assert.Contains("2 × X25519", ex.Message);
    }

    [Fact]
    public void A_changed_header_fails_its_mac()
    {
        var other = AgeKit.NewIdentity();
        byte[] file = AgeKit.Encrypt(new byte[10], [Analyst.Recipient]);
        // Splice in a second stanza for someone else: the file key still opens, the MAC no longer matches.
        byte[] extra = AgeKit.Encrypt(new byte[1], [other.Recipient]);
        int stanzaEnd = file.AsSpan().IndexOf("---"u8);
        int otherStart = extra.AsSpan().IndexOf("->"u8), otherEnd = extra.AsSpan().IndexOf("---"u8);
        byte[] spliced = [.. file[..stanzaEnd], .. extra[otherStart..otherEnd], .. file[stanzaEnd..]];
        Assert.Equal(AgeFailure.HeaderMac, Assert.Throws<AgeException>(() => AgeKit.Decrypt(spliced, Analyst)).Failure);
    }

    [Fact]
    public void Recipients_parse_as_age_takes_them()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"# analysts\n{Analyst.Recipient.Encoded}\n\n{AgeKit.NewIdentity().Recipient.Encoded}\n");
            Assert.Equal(3, AgeKeys.ParseRecipients([AgeKit.NewIdentity().Recipient.Encoded, "@" + file], File.ReadAllText).Count);
        }
        finally
        {
            File.Delete(file);
        }
        // Change the last checksum character to one it is not (a fixed "q" matched 1 key in 32).
        string encoded = Analyst.Recipient.Encoded;
        string corrupted = encoded[..^1] + (encoded[^1] == 'q' ? "p" : "q");
        Assert.Contains("checksum", Assert.Throws<AgeException>(() => AgeKeys.ParseRecipient(corrupted)).Message);
        Assert.Contains("secret key", Assert.Throws<AgeException>(() => AgeKeys.ParseRecipient(AgeKit.Bech32Identity(new byte[32]))).Message);
        Assert.Equal(AgeFailure.Unsupported, Assert.Throws<AgeException>(() => AgeKeys.ParseRecipient(Bech32.Encode("age1tag", new byte[33]))).Failure);
    }
}
