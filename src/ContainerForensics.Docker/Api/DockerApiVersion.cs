using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ContainerForensics.Docker.Api;

/// <summary>An Engine API version, "1.41": the prefix of every versioned path (<c>/v1.41/info</c>).</summary>
public readonly record struct DockerApiVersion(int Major, int Minor) : IComparable<DockerApiVersion>
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out DockerApiVersion? version)
    {
        version = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == text.Length - 1 ||
            !int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int major) ||
            !int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
        {
            return false;
        }
        version = new DockerApiVersion(major, minor);
        return true;
    }

    public static DockerApiVersion Parse(string text) =>
        TryParse(text, out var v) ? v.Value : throw new FormatException($"'{text}' is not an API version (major.minor)");

    public int CompareTo(DockerApiVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(DockerApiVersion a, DockerApiVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(DockerApiVersion a, DockerApiVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(DockerApiVersion a, DockerApiVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(DockerApiVersion a, DockerApiVersion b) => a.CompareTo(b) >= 0;

    /// <summary>The path prefix, <c>/v1.41</c>.</summary>
    public string PathPrefix => "/v" + ToString();

    public override string ToString() => Major.ToString(CultureInfo.InvariantCulture) + "." + Minor.ToString(CultureInfo.InvariantCulture);
}
