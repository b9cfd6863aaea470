namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cfir-tar-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            // rm -rf copes with FIFOs, devices and non-UTF-8 names that .NET's recursive delete may trip on.
            ExternalTools.Run("/", "rm", "-rf", "--", Path);
        }
        catch (IOException)
        {
        }
    }
}
