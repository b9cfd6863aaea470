using System.Security.Cryptography;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// An SSH public key, kept as its wire blob (RFC 4253 6.6, RFC 5656 3.1, RFC 8709) and decoded
/// for the types cfir signs and verifies with: <c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp256</c>
/// (and -384, -521), <c>ssh-rsa</c>. It verifies an SSH signature blob over data (RFC 8332 for
/// RSA: rsa-sha2-512 and rsa-sha2-256 only, never SHA-1).
/// </summary>
public sealed class SshPublicKey : IEquatable<SshPublicKey>
{
    public const string Ed25519 = "ssh-ed25519";
    public const string Rsa = "ssh-rsa";
    public const string EcdsaP256 = "ecdsa-sha2-nistp256";
    public const string EcdsaP384 = "ecdsa-sha2-nistp384";
    public const string EcdsaP521 = "ecdsa-sha2-nistp521";

    private readonly byte[] _blob;

    private SshPublicKey(string type, byte[] blob, string? comment)
    {
        Type = type;
        _blob = blob;
        Comment = comment;
    }

    /// <summary>The key type name, e.g. <c>ssh-ed25519</c>.</summary>
    public string Type { get; }

    public ReadOnlySpan<byte> Blob => _blob;

    /// <summary>The comment of the line or file it came from, if any.</summary>
    public string? Comment { get; }

    /// <summary>Ed25519: the 32-byte public point.</summary>
    internal byte[]? Ed25519Point { get; private init; }

    /// <summary>RSA: exponent and modulus, unsigned big-endian.</summary>
    internal (byte[] E, byte[] N)? RsaKey { get; private init; }

    /// <summary>ECDSA: the curve's name on the wire (nistp256) and the uncompressed point.</summary>
    internal (string Curve, byte[] Q)? EcKey { get; private init; }

    /// <summary><c>SHA256:</c> and the unpadded base64 of the blob's sha256, as <c>ssh-keygen -l</c> prints it.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToBase64String(SHA256.HashData(_blob)).TrimEnd('=');

    /// <summary>ssh-keygen's name of the algorithm family: ED25519, ECDSA, RSA.</summary>
    public string Family => Type switch
    {
        Ed25519 => "ED25519",
        Rsa => "RSA",
        _ => "ECDSA",
    };

    /// <summary>"ED25519 SHA256:... (comment)": how the key is named in messages and records.</summary>
    public string Describe() => Comment is { Length: > 0 } c ? $"{Family} {Fingerprint} ({c})" : $"{Family} {Fingerprint}";

    /// <summary>The authorized_keys form: type, base64 blob, comment.</summary>
    public string ToLine() => Comment is { Length: > 0 } c ? $"{Type} {Convert.ToBase64String(_blob)} {c}" : $"{Type} {Convert.ToBase64String(_blob)}";

    public SshPublicKey WithComment(string? comment) => new(Type, _blob, comment)
    {
        Ed25519Point = Ed25519Point,
        RsaKey = RsaKey,
        EcKey = EcKey,
    };

    /// <summary>Decodes a key blob; a type cfir does not know, or a malformed key, is a <see cref="SshFormatException"/>.</summary>
    public static SshPublicKey FromBlob(ReadOnlySpan<byte> blob, string? comment = null)
    {
        byte[] copy = blob.ToArray();
        var r = new SshWireReader(copy, "the public key");
        string type = r.ReadText();
        switch (type)
        {
            case Ed25519:
            {
                var point = r.ReadString();
                r.ExpectEnd();
                if (point.Length != 32)
                {
                    throw new SshFormatException($"an ssh-ed25519 key of {point.Length} bytes (32 expected)");
                }
                return new SshPublicKey(type, copy, comment) { Ed25519Point = point.ToArray() };
            }
            case Rsa:
            {
                byte[] e = r.ReadMpint();
                byte[] n = r.ReadMpint();
                r.ExpectEnd();
                if (n.Length < 2048 / 8)
                {
                    throw new SshFormatException($"an RSA key of {n.Length * 8} bits: at least 2048 are required");
                }
                return new SshPublicKey(type, copy, comment) { RsaKey = (e, n) };
            }
            case EcdsaP256 or EcdsaP384 or EcdsaP521:
            {
                string curve = r.ReadText();
                var q = r.ReadString();
                r.ExpectEnd();
                if (type != "ecdsa-sha2-" + curve)
                {
                    throw new SshFormatException($"an {type} key names the curve {curve}");
                }
                int size = CoordinateSize(curve);
                if (q.Length != 1 + 2 * size || q.Span[0] != 4)
                {
                    throw new SshFormatException($"an {type} key whose point is not an uncompressed {curve} point");
                }
                return new SshPublicKey(type, copy, comment) { EcKey = (curve, q.ToArray()) };
            }
            default:
                throw new SshFormatException($"the key type {type} is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521 and ssh-rsa are)");
        }
    }

    /// <summary>An authorized_keys-style line: <c>TYPE BASE64 [COMMENT]</c>.</summary>
    public static SshPublicKey ParseLine(string line)
    {
        var parts = line.Trim().Split((char[])[' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw new SshFormatException("not an SSH public key line (TYPE BASE64 [COMMENT])");
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            throw new SshFormatException($"the {parts[0]} key's base64 is damaged");
        }
        var key = FromBlob(blob, parts.Length > 2 ? parts[2].Trim() : null);
        if (key.Type != parts[0])
        {
            throw new SshFormatException($"the line says {parts[0]}, the key is {key.Type}");
        }
        return key;
    }

    /// <summary>
    /// Whether <paramref name="signature"/> (an SSH signature blob: string algorithm, string
    /// signature) is this key's over <paramref name="data"/>. <paramref name="why"/> says why not.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, out string? why)
    {
        try
        {
            var r = new SshWireReader(signature.ToArray(), "the signature");
            string algorithm = r.ReadText();
            var sig = r.ReadString();
            r.ExpectEnd();
            why = null;
            switch (Type)
            {
                case Ed25519:
                    if (algorithm != Ed25519 || sig.Length != 64)
                    {
                        why = $"an {algorithm} signature of {sig.Length} bytes for an ssh-ed25519 key";
                        return false;
                    }
                    return Ed25519Point is { } pk && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(sig.ToArray(), 0, pk, 0, data.ToArray(), 0, data.Length)
                        || Fail("the Ed25519 signature does not match", out why);
                case Rsa:
                {
                    var hash = algorithm switch
                    {
                        "rsa-sha2-512" => HashAlgorithmName.SHA512,
                        "rsa-sha2-256" => HashAlgorithmName.SHA256,
                        _ => default,
                    };
                    if (hash == default)
                    {
                        why = $"an RSA signature made with {algorithm} (only rsa-sha2-512 and rsa-sha2-256 are accepted)";
                        return false;
                    }
                    var (e, n) = RsaKey!.Value;
                    if (sig.Length > n.Length)
                    {
                        return Fail("the RSA signature is longer than the modulus", out why);
                    }
                    byte[] padded = new byte[n.Length];
                    sig.Span.CopyTo(padded.AsSpan(n.Length - sig.Length)); // OpenSSH accepts a signature with its leading zeros dropped
                    using var rsa = RSA.Create(new RSAParameters { Exponent = e, Modulus = n });
                    return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1) || Fail($"the RSA ({algorithm}) signature does not match", out why);
                }
                default:
                {
                    if (algorithm != Type)
                    {
                        why = $"an {algorithm} signature for an {Type} key";
                        return false;
                    }
                    var (curve, q) = EcKey!.Value;
                    int size = CoordinateSize(curve);
                    var inner = new SshWireReader(sig, "the ECDSA signature");
                    byte[] rValue = inner.ReadMpint();
                    byte[] sValue = inner.ReadMpint();
                    inner.ExpectEnd();
                    if (rValue.Length > size || sValue.Length > size)
                    {
                        return Fail("the ECDSA signature's values are too large for the curve", out why);
                    }
                    byte[] p1363 = new byte[2 * size];
                    rValue.CopyTo(p1363, size - rValue.Length);
                    sValue.CopyTo(p1363, 2 * size - sValue.Length);
                    using var ecdsa = ECDsa.Create(new ECParameters
                    {
                        Curve = CurveOf(curve),
                        Q = new ECPoint { X = q[1..(1 + size)], Y = q[(1 + size)..] },
                    });
                    return ecdsa.VerifyData(data, p1363, HashOf(curve), DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                        || Fail("the ECDSA signature does not match", out why);
                }
            }
        }
        catch (SshFormatException ex)
        {
            why = ex.Message;
            return false;
        }
        catch (CryptographicException ex)
        {
            why = $"the key cannot check signatures: {ex.Message}";
            return false;
        }
    }

    private static bool Fail(string message, out string? why)
    {
        why = message;
        return false;
    }

    internal static int CoordinateSize(string curve) => curve switch
    {
        "nistp256" => 32,
        "nistp384" => 48,
        "nistp521" => 66,
        _ => throw new SshFormatException($"the curve {curve} is not supported (nistp256, nistp384, nistp521)"),
    };

    internal static ECCurve CurveOf(string curve) => curve switch
    {
        "nistp256" => ECCurve.NamedCurves.nistP256,
        "nistp384" => ECCurve.NamedCurves.nistP384,
        _ => ECCurve.NamedCurves.nistP521,
    };

    /// <summary>RFC 5656 6.2.1: the hash goes with the curve size.</summary>
    internal static HashAlgorithmName HashOf(string curve) => curve switch
    {
        "nistp256" => HashAlgorithmName.SHA256,
        "nistp384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    public bool Equals(SshPublicKey? other) => other is not null && _blob.AsSpan().SequenceEqual(other._blob);

    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_blob);
        return hash.ToHashCode();
    }

    public override string ToString() => Describe();
}
