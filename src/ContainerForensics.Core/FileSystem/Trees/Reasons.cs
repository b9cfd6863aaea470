namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>An entry's reason is one line; several facts about it are joined with "; ".</summary>
public static class Reasons
{
    public static string Join(string? first, string second) => string.IsNullOrEmpty(first) ? second : first + "; " + second;
}
