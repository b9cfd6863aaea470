using System.Numerics;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// A private SSH key in memory (<see cref="OpenSshKeyFile"/> reads one): Ed25519, ECDSA over the
/// NIST curves, or RSA. Signs as OpenSSH does (Ed25519 by BouncyCastle, ECDSA and RSA PKCS#1
/// v1.5 with SHA-512 by .NET), and hands age the key material its ssh recipients need.
/// </summary>
public sealed class SshPrivateKey : ISshSigner
{
    private readonly byte[]? _ed25519Seed;
    private readonly RSAParameters? _rsa;
    private readonly ECParameters? _ec;

    private SshPrivateKey(SshPublicKey publicKey, byte[]? ed25519Seed, RSAParameters? rsa, ECParameters? ec)
    {
        PublicKey = publicKey;
        _ed25519Seed = ed25519Seed;
        _rsa = rsa;
        _ec = ec;
    }

    public SshPublicKey PublicKey { get; }

    /// <summary>Ed25519: the 32-byte seed (RFC 8032's private key).</summary>
    internal byte[] Ed25519Seed => _ed25519Seed ?? throw new InvalidOperationException("not an Ed25519 key");

    internal static SshPrivateKey FromEd25519(byte[] seed, string? comment)
    {
        if (seed.Length != 32)
        {
            throw new SshFormatException("an Ed25519 private key of the wrong length");
        }
        var pk = new byte[32];
        Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.GeneratePublicKey(seed, 0, pk, 0);
        var blob = new SshWireWriter().WriteString(SshPublicKey.Ed25519).WriteString(pk).ToArray();
        return new SshPrivateKey(SshPublicKey.FromBlob(blob, comment), seed, null, null);
    }

    /// <summary>From OpenSSH's fields: n, e, d, iqmp, p, q (unsigned big-endian).</summary>
    internal static SshPrivateKey FromRsa(byte[] n, byte[] e, byte[] d, byte[] iqmp, byte[] p, byte[] q, string? comment)
    {
        var D = Big(d);
        int half = (n.Length + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = n,
            Exponent = e,
            D = Pad(d, n.Length),
            P = Pad(p, half),
            Q = Pad(q, half),
            DP = Pad(Bytes(D % (Big(p) - 1)), half),
            DQ = Pad(Bytes(D % (Big(q) - 1)), half),
            InverseQ = Pad(iqmp, half),
        };
        return FromRsa(parameters, comment);
    }

    internal static SshPrivateKey FromRsa(RSAParameters parameters, string? comment)
    {
        var blob = new SshWireWriter().WriteString(SshPublicKey.Rsa).WriteMpint(parameters.Exponent).WriteMpint(parameters.Modulus).ToArray();
        var key = new SshPrivateKey(SshPublicKey.FromBlob(blob, comment), null, parameters, null);
        key.Check();
        return key;
    }

    /// <summary>From an EC key as .NET exports it (from PEM, or from the key SSH.NET read).</summary>
    internal static SshPrivateKey FromEcdsa(ECParameters exported, string? comment)
    {
        string curve = exported.Curve.Oid.FriendlyName switch
        {
            "nistP256" or "ECDSA_P256" => "nistp256",
            "nistP384" or "ECDSA_P384" => "nistp384",
            "nistP521" or "ECDSA_P521" => "nistp521",
            var other => throw new SshFormatException($"an EC key on the curve {other} (nistp256, nistp384, nistp521 are supported)"),
        };
        int size = SshPublicKey.CoordinateSize(curve);
        var parameters = new ECParameters
        {
            Curve = SshPublicKey.CurveOf(curve),
            Q = new ECPoint { X = Pad(exported.Q.X!, size), Y = Pad(exported.Q.Y!, size) },
            D = Pad(exported.D!, size),
        };
        byte[] q = [4, .. parameters.Q.X!, .. parameters.Q.Y!];
        var blob = new SshWireWriter().WriteString("ecdsa-sha2-" + curve).WriteString(curve).WriteString(q).ToArray();
        var key = new SshPrivateKey(SshPublicKey.FromBlob(blob, comment), null, null, parameters);
        key.Check();
        return key;
    }

    public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.FromResult(Sign(data.Span));

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        if (_ed25519Seed is { } seed)
        {
            var sig = new byte[64];
            Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Sign(seed, 0, data.ToArray(), 0, data.Length, sig, 0);
            return new SshWireWriter().WriteString(SshPublicKey.Ed25519).WriteString(sig).ToArray();
        }
        if (_rsa is { } rsaParameters)
        {
            using var rsa = RSA.Create(rsaParameters);
            byte[] sig = rsa.SignData(data, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
            return new SshWireWriter().WriteString("rsa-sha2-512").WriteString(sig).ToArray();
        }
        var ec = _ec!.Value;
        using var ecdsa = ECDsa.Create(ec);
        string curve = PublicKey.EcKey!.Value.Curve;
        byte[] p1363 = ecdsa.SignData(data, SshPublicKey.HashOf(curve), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        int size = p1363.Length / 2;
        byte[] inner = new SshWireWriter().WriteMpint(p1363.AsSpan(0, size)).WriteMpint(p1363.AsSpan(size)).ToArray();
        return new SshWireWriter().WriteString(PublicKey.Type).WriteString(inner).ToArray();
    }

    /// <summary>The RSA key as BouncyCastle takes it, for age's ssh-rsa stanzas (RSA-OAEP with a label, which .NET lacks).</summary>
    internal RsaPrivateCrtKeyParameters ToBouncyRsa()
    {
        var p = _rsa ?? throw new InvalidOperationException("not an RSA key");
        static Org.BouncyCastle.Math.BigInteger B(byte[]? v) => new(1, v!);
        return new RsaPrivateCrtKeyParameters(B(p.Modulus), B(p.Exponent), B(p.D), B(p.P), B(p.Q), B(p.DP), B(p.DQ), B(p.InverseQ));
    }

    /// <summary>A key whose parts do not belong together would sign garbage: sign and verify once.</summary>
    private void Check()
    {
        byte[] probe = "cfir key check"u8.ToArray();
        try
        {
            if (!PublicKey.Verify(probe, Sign(probe), out var why))
            {
                throw new SshFormatException($"the private key does not match its public key ({why})");
            }
        }
        catch (CryptographicException ex)
        {
            throw new SshFormatException($"the private key is not usable: {ex.Message}", ex);
        }
    }

    private static BigInteger Big(byte[] magnitude) => new(magnitude, isUnsigned: true, isBigEndian: true);

    private static byte[] Bytes(BigInteger value) => value.ToByteArray(isUnsigned: true, isBigEndian: true);

    private static byte[] Pad(byte[] value, int length)
    {
        var trimmed = value.AsSpan().TrimStart((byte)0);
        if (trimmed.Length > length)
        {
            throw new SshFormatException("a private key value is larger than the key");
        }
        var padded = new byte[length];
        trimmed.CopyTo(padded.AsSpan(length - trimmed.Length));
        return padded;
    }
}
