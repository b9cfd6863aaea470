namespace ContainerForensics.Cli.Tests.Support;

/// <summary>Files of the source tree the tests compare the CLI with (docs/usage.md).</summary>
internal static class RepoFiles
{
    /// <summary>The checkout's root: the first directory above the test assembly that holds ContainerForensics.sln.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "ContainerForensics.sln")))
                {
                    return dir.FullName;
                }
            }
            throw new DirectoryNotFoundException($"no ContainerForensics.sln above {AppContext.BaseDirectory}");
        }
    }

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);
}
