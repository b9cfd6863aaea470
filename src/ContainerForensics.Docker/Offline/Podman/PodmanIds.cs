namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// The ids c/storage and libpod give containers, layers and images: 64 lowercase hex digits.
/// Every id read from the image (a JSON field, a database key, a directory name) is checked
/// before it becomes part of a path: a record with "../" or a slash in its id names nothing.
/// </summary>
internal static class PodmanIds
{
    public static bool IsId(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>An untrusted name for a record: at most 100 characters, control characters escaped.</summary>
    public static string Show(string? value)
    {
        if (value is null)
        {
            return "(none)";
        }
        var shown = new System.Text.StringBuilder();
        foreach (char c in value.Length > 100 ? value[..100] : value)
        {
            shown.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }
        return value.Length > 100 ? shown + "..." : shown.ToString();
    }
}
