using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;

namespace ContainerForensics.Sealing.Tests.SshSig;

/// <summary>The allowed-signers file as ssh-keygen(1) describes it: principals, options, key.</summary>
public sealed class AllowedSignersTests
{
    private static readonly SshPrivateKey Analyst = SshPrivateKey.FromEd25519(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "analyst");
    private static readonly SshPrivateKey Other = SshPrivateKey.FromEd25519(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray(), "other");
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Names_the_principals_of_the_key()
    {
        var file = AllowedSigners.Parse($"""
            # the lab's analysts
            "alice@lab,bob@lab" {Analyst.PublicKey.ToLine()}

            carol@lab {Other.PublicKey.ToLine()}
            """, "allowed_signers");
        Assert.Equal(["alice@lab", "bob@lab"], file.PrincipalsFor(Analyst.PublicKey, "cfir", Now, out _));
        Assert.Equal(["carol@lab"], file.PrincipalsFor(Other.PublicKey, "cfir", Now, out _));
    }

    [Fact]
    public void Options_narrow_what_a_key_may_sign()
    {
        var file = AllowedSigners.Parse($"""
            file-only@lab namespaces="file,git" {Analyst.PublicKey.ToLine()}
            cfir@lab namespaces="cf*",valid-after=20260101,valid-before="20261231235959Z" {Analyst.PublicKey.ToLine()}
            ca@lab cert-authority {Other.PublicKey.ToLine()}
            """, "f");
        Assert.Equal(["cfir@lab"], file.PrincipalsFor(Analyst.PublicKey, "cfir", Now, out _));
        Assert.Empty(file.PrincipalsFor(Analyst.PublicKey, "cfir", new DateTimeOffset(2027, 1, 2, 0, 0, 0, TimeSpan.Zero), out var why));
        Assert.Contains("valid only until", why);
        Assert.Empty(file.PrincipalsFor(Other.PublicKey, "cfir", Now, out why));
        Assert.Contains("certificate authority", why);
    }

    [Fact]
    public void An_unknown_key_and_a_bad_line_are_said_so()
    {
        var file = AllowedSigners.Parse($"x@lab {Other.PublicKey.ToLine()}", "f");
        Assert.Empty(file.PrincipalsFor(Analyst.PublicKey, "cfir", Now, out var why));
        Assert.Contains("is not in f", why);
        var ex = Assert.Throws<SshFormatException>(() => AllowedSigners.Parse($"\nx@lab bogus-option {Other.PublicKey.ToLine()}", "f"));
        Assert.StartsWith("f:2:", ex.Message);
    }
}
