using ContainerForensics.Evidence.Verify;
using ContainerForensics.Sealing.Age;
using ContainerForensics.Sealing.SshSig;

namespace ContainerForensics.Sealing;

/// <summary>What <c>cfir verify</c> is given beyond the archive: a zip's password, age identities, an allowed-signers file.</summary>
public sealed record SealedVerifyOptions
{
    public string? ZipPassword { get; init; }

    /// <summary><c>--identity</c>: decrypt an age-encrypted archive while verifying it.</summary>
    public IReadOnlyList<IAgeIdentity> Identities { get; init; } = [];

    /// <summary><c>--allowed-signers</c>: SEAL.sig must be by one of them, and present.</summary>
    public AllowedSigners? AllowedSigners { get; init; }
}

/// <summary>
/// <c>cfir verify</c> around the archive verifier: decrypts an age-encrypted archive as it streams
/// (no plaintext is written anywhere; each chunk is authenticated before the verifier sees it)
/// and checks SEAL.sig (<see cref="SshSealSignatureCheck"/>). The report's archive hash is of the
/// bytes that arrived, the ciphertext for an encrypted archive (what collect printed); the
/// plaintext archive's hash is beside it.
/// </summary>
public static class SealedArchiveVerifier
{
    private static readonly byte[] AgeMagic = "age-encryption.org/"u8.ToArray();

    public static VerificationReport Verify(Stream input, SealedVerifyOptions options)
    {
        var check = new SshSealSignatureCheck(options.AllowedSigners);
        var head = new byte[AgeMagic.Length];
        int got = ReadUpTo(input, head);
        Stream whole = input.CanSeek ? Rewind(input, got) : new PrefixedStream(head.AsMemory(0, got), input);
        if (!head.AsSpan(0, got).SequenceEqual(AgeMagic))
        {
            var plain = ArchiveVerifier.Verify(whole, options.ZipPassword, check);
            if (options.Identities.Count > 0)
            {
                plain.Add("decrypt", null, "--identity was given, but the archive is not age-encrypted");
            }
            return plain;
        }

        using var arrived = new HashingReadStream(whole);
        var report = Decrypt(arrived, options, check);
        arrived.ReadToEnd();
        report.ArchiveSha256 = arrived.Sha256();
        report.ArchiveBytes = arrived.BytesRead;
        return report;
    }

    private static VerificationReport Decrypt(HashingReadStream arrived, SealedVerifyOptions options, SshSealSignatureCheck check)
    {
        if (options.Identities.Count == 0)
        {
            return Failed("age", "the archive is encrypted with age: give --identity KEY (an age identity file, or the SSH private key of one of its recipients)");
        }
        if (options.ZipPassword is not null)
        {
            return Failed("age", "an AES zip inside age cannot be verified as it streams (zip decryption needs the central directory): decrypt it to a file with age -d first");
        }
        AgeDecryptStream age;
        try
        {
            age = AgeDecryptStream.Open(arrived, options.Identities);
        }
        catch (AgeException ex)
        {
            return Failed("age", ex.Failure == AgeFailure.NoMatch ? ex.Message : $"the encrypted archive cannot be opened: {ex.Message}");
        }
        using (age)
        {
            VerificationReport report;
            try
            {
                report = ArchiveVerifier.Verify(age, zipPassword: null, check);
            }
            catch (AgeException ex)
            {
                // The verifier's first read (the archive's head) failed to decrypt.
                return Failed("age", ex.Message);
            }
            report.InnerSha256 = report.ArchiveSha256;
            report.InnerBytes = report.ArchiveBytes;
            if (!age.Complete && age.Failure is null)
            {
                try
                {
                    age.CopyTo(Stream.Null); // the archive ended early: make the payload's end be checked too
                }
                catch (AgeException)
                {
                }
            }
            if (age.Failure is { } failure)
            {
                // The verifier saw the failure as a read that broke off: say what it was.
                report.Problems.RemoveAll(p => p.Kind == "corrupt" && p.Detail.Contains(failure.Message, StringComparison.Ordinal));
                report.Problems.Insert(0, new VerificationProblem("decrypt", null, failure.Message));
            }
            var types = age.Header.Stanzas.GroupBy(s => s.Type).Select(g => g.Count() == 1 ? g.Key : $"{g.Count()} × {g.Key}");
            report.Encryption = $"age-encryption.org/v1 to {age.Header.Stanzas.Count} recipient(s) ({string.Join(", ", types)}), opened with {age.Identity.Describe()}";
            return report;
        }
    }

    private static VerificationReport Failed(string format, string detail)
    {
        var report = new VerificationReport { Format = format };
        report.Add("decrypt", null, detail);
        return report;
    }

    private static Stream Rewind(Stream input, int read)
    {
        input.Seek(-read, SeekOrigin.Current);
        return input;
    }

    private static int ReadUpTo(Stream input, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = input.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
