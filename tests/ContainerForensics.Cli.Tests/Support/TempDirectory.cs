namespace ContainerForensics.Cli.Tests.Support;

/// <summary>A private scratch directory for one test, removed with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("cfir-cli-test-").FullName;
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in /tmp: harmless, and a failing cleanup must not hide the test's own result.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
