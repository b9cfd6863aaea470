using System.Text.RegularExpressions;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// containerd's rule for namespace and container names (pkg/identifiers: letters and digits,
/// single '.', '_' or '-' between them, at most 76 characters). containerd refuses anything
/// else, so a record of the image that breaks it was not written by containerd; its name is
/// still reported (escaped by the layout) but never becomes a path in the image.
/// </summary>
internal static partial class Identifiers
{
    private const int MaxLength = 76;

    public static bool IsValid(string? name) => name is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(name);

    /// <summary>"sha256:&lt;64 hex&gt;" (or sha384/sha512 of their lengths): a digest that can name a file of the content store.</summary>
    public static bool IsDigest(string? digest) => digest is not null && DigestPattern().IsMatch(digest)
        && digest[(digest.IndexOf(':', StringComparison.Ordinal) + 1)..].Length == digest[..digest.IndexOf(':', StringComparison.Ordinal)] switch
        {
            "sha256" => 64,
            "sha384" => 96,
            _ => 128,
        };

    [GeneratedRegex("^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    [GeneratedRegex("^sha(256|384|512):[0-9a-f]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();
}
