using ContainerForensics.Sealing.Ssh;

namespace ContainerForensics.Sealing.Tests.Support;

/// <summary>Keys made by the real ssh-keygen, the way an analyst makes them.</summary>
internal static class SshKeygen
{
    /// <summary>Generates a key into <paramref name="dir"/>; returns the private key's path (the public key is PATH.pub).</summary>
    public static string Generate(TempDir dir, string type, string name, string passphrase = "", string? cipher = null, int? bits = null, string? format = null)
    {
        string path = dir.File(name);
        var args = new List<string> { "-q", "-t", type, "-N", passphrase, "-C", $"{name}@cfir-test", "-f", path };
        if (bits is { } b)
        {
            args.AddRange(["-b", b.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        if (cipher is not null)
        {
            args.AddRange(["-Z", cipher]);
        }
        if (format is not null)
        {
            args.AddRange(["-m", format]);
        }
        Tool.Ok("ssh-keygen", args);
        return path;
    }

    public static SshPublicKey PublicKey(string privatePath) => SshPublicKey.ParseLine(File.ReadAllText(privatePath + ".pub"));

    public static SshPrivateKey Load(string path, string passphrase = "") =>
        OpenSshKeyFile.Parse(File.ReadAllText(path), System.Text.Encoding.UTF8.GetBytes(passphrase));
}
